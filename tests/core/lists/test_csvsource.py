"""Reading CSV list files: encodings, dialects, and hostile files that must cost one row, not the file."""

from __future__ import annotations

import codecs
import resource
from pathlib import Path

import pytest

from hub.core.lists.csvsource import CsvSource
from hub.core.lists.encoding import detect_encoding
from hub.core.lists.errors import ListFileError


def rows_of(source: CsvSource) -> list[tuple[int, dict[str, str], str | None, str | None]]:
    return [(r.number, r.cells, r.problem.column if r.problem else None, r.problem.reason if r.problem else None)
            for r in source.rows()]


@pytest.mark.parametrize(("data", "encoding"), [
    ("id;Name\n1;Müller\n".encode("cp1252"), "cp1252"),
    ("id;Name\n1;Müller\n".encode(), "utf-8"),
    (codecs.BOM_UTF8 + "id;Name\n1;Müller\n".encode(), "utf-8-sig"),
    ("id;Name\n1;Müller\n".encode("utf-16"), "utf-16"),
    ("id;Name\n1;Müller\n".encode("utf-16-le"), "utf-16-le"),
    ("id;Name\n1;Müller\n".encode("utf-16-be"), "utf-16-be"),
    (b"id;Name\n1;\x81ller\n", "latin-1"),  # 0x81: undefined in cp1252
])
def test_the_encoding_is_found_from_the_bytes(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    assert detect_encoding(data) == encoding
    source = CsvSource(path)
    assert source.header == ["id", "Name"]
    cells = rows_of(source)[0][1]
    assert cells["id"] == "1" and cells["Name"].endswith("ller")
    if encoding != "latin-1":
        assert cells["Name"] == "Müller"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed_and_quotes_hold_delimiters_and_line_breaks(tmp_path: Path, delimiter: str) -> None:
    d = delimiter
    path = tmp_path / "list.csv"
    path.write_text(f'id{d}name{d}city\r\n1{d}"Smith{d} ""Jr."""{d}Köln\r\n\r\n2{d}"two\nlines"{d}Bonn\r\n',
                    encoding="utf-8")
    source = CsvSource(path)
    assert source.dialect.delimiter == d
    assert rows_of(source) == [(2, {"id": "1", "name": f'Smith{d} "Jr."', "city": "Köln"}, None, None),
                               (4, {"id": "2", "name": "two\nlines", "city": "Bonn"}, None, None)]


def test_a_declared_encoding_and_delimiter_are_used(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes("id,name;x\n1,Ä;b\n".encode("cp1252"))
    source = CsvSource(path, encoding="windows-1252", delimiter=",")
    assert rows_of(source) == [(2, {"id": "1", "name;x": "Ä;b"}, None, None)]
    with pytest.raises(ListFileError, match="unknown encoding 'klingon'"):
        CsvSource(path, encoding="klingon")
    with pytest.raises(ListFileError, match="a delimiter is one character"):
        CsvSource(path, delimiter=";;")


def test_a_byte_the_encoding_does_not_know_fails_its_row_naming_the_column(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    good = "".join(f"{n},Jürgen,Köln\n" for n in range(60_000)).encode()  # over the 1 MiB sample: UTF-8 is taken
    path.write_bytes(b"id,name,city\n" + good + b"x,J\xfcrgen,K\xf6ln\n" + "y,Jörg,Bonn\n".encode())
    source = CsvSource(path)
    assert source.encoding == "utf-8"
    bad = [row for row in rows_of(source) if row[2] or row[3]]
    assert bad == [(60_002, {}, "name", "bytes 0xFC are not valid utf-8 (the file was taken as utf-8 from its"
                                        " first MiB; give its encoding (e.g. --encoding cp1252))")]
    assert rows_of(source)[-1] == (60_003, {"id": "y", "name": "Jörg", "city": "Bonn"}, None, None)


def test_a_huge_line_fails_its_row_and_the_rest_of_the_file_is_read_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    with path.open("wb") as out:
        out.write(b"id,name,city\n1,a,b\n2,x,")
        chunk = b"y" * (1 << 20)
        for _ in range(50):  # a 50 MiB line, in the city column
            out.write(chunk)
        out.write(b"\n3,c,d\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    source = CsvSource(path, max_line=64 * 1024)
    rows = rows_of(source)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert rows == [(2, {"id": "1", "name": "a", "city": "b"}, None, None),
                    (3, {}, "city", "the line is longer than 65,536 characters; it was skipped to its end"),
                    (4, {"id": "3", "name": "c", "city": "d"}, None, None)]
    assert grown_mib < 20


def test_a_quote_never_closed_fails_its_row_and_reading_goes_on_after_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text('id,name\n1,"unclosed\n' + "2,b\n" * 400 + "3,c\n", encoding="utf-8")
    rows = rows_of(CsvSource(path, max_line=1000))
    assert rows[0][:3] == (2, {}, "name")
    assert "field larger than field limit (1000)" in (rows[0][3] or "")
    assert "lines 2 to" in (rows[0][3] or "") and "a quote that is never closed?" in (rows[0][3] or "")
    assert rows[-1] == (rows[-1][0], {"id": "3", "name": "c"}, None, None)


def test_empty_files_and_rows_wider_than_the_header(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    for content in (b"", b"\n\n  \n", codecs.BOM_UTF8):
        path.write_bytes(content)
        with pytest.raises(ListFileError) as raised:
            CsvSource(path)
        assert raised.value.row == 1 and str(path) in str(raised.value)
    path.write_bytes(b"id,name\n")
    assert rows_of(CsvSource(path)) == []
    path.write_bytes(b"id,name\n1,a,,\n2,b,c\n")
    assert rows_of(CsvSource(path)) == [(2, {"id": "1", "name": "a"}, None, None),
                                        (3, {}, None, "the row has 3 values and the header 2 columns")]


def test_title_lines_above_the_header_and_a_declared_quote(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Messe Köln 2026\nexported 2026-03-20\nid;name\n1;'Smith; Jr'\n", encoding="utf-8")
    source = CsvSource(path, header_row=3, quote="'")
    assert source.header == ["id", "name"]
    assert rows_of(source) == [(4, {"id": "1", "name": "Smith; Jr"}, None, None)]
    with pytest.raises(ListFileError, match="row 9 must name the columns"):
        CsvSource(path, header_row=9)

"""Flat IDoc files: real-world layouts, round trips and precise errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hub.core.raw import RawDocument, Segment
from plugins.erp_sap.idoc.definitions import REMEMBERED_NAMES, DefinitionRegistry, SegmentFields
from plugins.erp_sap.idoc.errors import IdocError
from plugins.erp_sap.idoc.flat import read_flat, render_flat
from plugins.erp_sap.idoc.xml import read_xml, render_xml

DATA = Path(__file__).parent / "data"


def parse(name: str, registry: DefinitionRegistry | None = None) -> list[RawDocument]:
    return list(read_flat((DATA / name).read_bytes(), name, registry or DefinitionRegistry()))


def normalised(payload: bytes) -> list[str]:
    """Records of a flat file without line ends and trailing blanks."""
    text = payload.decode("utf-8").replace("\r\n", "\n")
    return [line.rstrip() for line in text.split("\n") if line.strip()]


def test_debmas07_with_versioned_names_extension_and_trimmed_blanks() -> None:
    docs = parse("debmas07_zext_trimmed.txt")
    assert [d.document_id for d in docs] == ["0000000000471101", "0000000000471102", "0000000000471103"]
    first = docs[0]
    assert (first.system, first.message_type, first.format) == ("erp_sap", "DEBMAS", "idoc")
    assert first.control["IDOCTYP"] == "DEBMAS07" and first.control["CIMTYP"] == "ZDEBMAS07"
    (kna1,) = first.body
    assert kna1.name == "E1KNA1M"
    assert kna1.fields["KUNNR"] == "0000100001"
    assert kna1.fields["NAME1"] == "Müller Maschinenbau GmbH"
    assert kna1.fields["STCEG"] == "DE123456789"
    assert "ANRED" not in kna1.fields  # blank fields are left out
    knvv = next(kna1.find("E1KNVVM"))
    assert (knvv.fields["VKORG"], knvv.fields["WAERS"], knvv.fields["INCO2"]) == ("1000", "EUR", "Hamburg")
    assert [p.fields["PARVW"] for p in knvv.find("E1KNVPM")] == ["AG", "RE", "RG", "WE"]
    (ext,) = kna1.find("Z1KNA1X")
    assert ext.fields == {"SDATA": "GOLD      2024-01-15 LOYALTY-0815"}
    assert [s.number for s in kna1.children][:2] == [2, 7]  # E1KNVVM 2 has five partner segments
    assert len(list(docs[1].body[0].find("E1KNVVM"))) == 2


def test_no_line_breaks_reads_like_lines() -> None:
    fixed = parse("debmas07_nolinebreaks.txt")
    assert [d.document_id for d in fixed] == ["0000000000471201", "0000000000471202"]
    relined = render_flat(fixed)
    assert [d.body for d in read_flat(relined)] == [d.body for d in fixed]
    assert fixed[1].body[0].fields["ORT01"] == "Stuttgart"


def test_unicode_control_record_and_crlf() -> None:
    (uni,) = parse("debmas07_unicode.txt")
    assert uni.control["TABNAM"] == "EDI_DC40_U"
    assert uni.body[0].fields["NAME1"] == "Œuvre Française SARL"
    (old,) = parse("debmas06_crlf.txt")
    assert old.control["IDOCTYP"] == "DEBMAS06"
    assert old.body[0].fields["ORT01"] == "München"


@pytest.mark.parametrize(
    "name",
    ["debmas07_zext_trimmed.txt", "debmas06_crlf.txt", "debmas07_nolinebreaks.txt", "debmas07_unicode.txt",
     "orders05_flat.txt", "invoic02_flat.txt", "aleaud01_flat.txt"],
)
def test_round_trip_flat_xml_flat(name: str) -> None:
    registry = DefinitionRegistry()
    original = (DATA / name).read_bytes()
    docs = list(read_flat(original, name, registry))
    # one IDoc-XML file holds one IDoc type, so each IDoc goes through XML on its own
    again = [d for doc in docs for d in read_xml(render_xml([doc], registry), name, registry)]
    assert [d.body for d in again] == [d.body for d in docs]
    assert [d.control for d in again] == [d.control for d in docs]
    rendered = render_flat(again, registry)
    if b"\n" in original:
        assert normalised(rendered) == normalised(original)
    else:
        assert render_flat(again, registry, newline="") == original


def test_orders05_flat_hierarchy_uses_psgnum() -> None:
    ordrsp, order = parse("orders05_flat.txt")
    assert ordrsp.message_type == "ORDRSP" and order.control["CIMTYP"] == "ZORDERS05"
    names = [s.name for s in ordrsp.body]
    assert names[0] == "E1EDK01" and names[-1] == "E1EDS01" and "E1EDP01" in names
    item = next(s for s in ordrsp.body if s.name == "E1EDP01")
    assert item.fields["MATNR"] == "000000000000100100"
    assert next(item.find("E1EDP20")).fields["WMENG"] == "3.000"
    assert next(next(item.find("E1EDPT1")).find("E1EDPT2")).fields["TDLINE"] == "Packed on EUR pallet"


def test_wide_segments_are_read_field_by_field_and_narrow_ones_decoded() -> None:
    registry = DefinitionRegistry()
    payload = (DATA / "orders05_flat.txt").read_bytes()
    ordrsp = list(read_flat(payload, "orders05_flat.txt", registry))[0]
    defn = registry.get(ordrsp.control["IDOCTYP"], ordrsp.control.get("CIMTYP", ""))
    assert defn is not None
    first = payload.decode().split("EDI_DC40")[1].splitlines()[1:]  # the data records of the first IDoc
    records = {int(line[49:55]): line.rstrip()[63:] for line in first if line.strip()}
    seen = set()

    def check(segments: list[Segment]) -> None:
        for segment in segments:
            sdef = defn.get(segment.name)
            assert sdef is not None
            assert isinstance(segment.fields, SegmentFields) == sdef.wide
            assert segment.fields == sdef.decode(records[segment.number]), segment.name
            seen.add(sdef.wide)
            check(segment.children)

    check(ordrsp.body)
    assert seen == {True, False}


def test_streams_one_idoc_at_a_time() -> None:
    """The first IDoc is yielded before the rest of a large file has been read."""
    one = (DATA / "debmas07_zext_trimmed.txt").read_bytes()
    big = one * 200

    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            Counting.read_bytes += len(chunk)
            return chunk

        def read1(self, size: int = -1) -> bytes:
            chunk = super().read1(size)
            Counting.read_bytes += len(chunk)
            return chunk

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            count = super().readinto(buffer)
            Counting.read_bytes += count
            return count

    stream = Counting(big)
    documents = read_flat(stream, "big")
    first = next(documents)
    assert first.document_id == "0000000000471101"
    assert Counting.read_bytes < len(big) / 10
    assert sum(1 for _ in documents) == 599


def test_unknown_segment_keeps_its_flat_name_on_render() -> None:
    registry = DefinitionRegistry()
    docs = list(read_flat((DATA / "debmas07_zext_trimmed.txt").read_bytes(), "x", registry))
    assert b"Z2KNA1X001" in render_flat(docs[:1], registry)
    assert b"Z2KNA1X   " in render_flat(docs[:1], DefinitionRegistry())


def test_an_unknown_segment_renders_at_its_own_level_not_where_another_file_had_it() -> None:
    """Found by fuzzing: the registry remembered Z1KNA1X's HLEVEL 02 from one file and wrote
    it for a Z1KNA1X one level deeper, a record no reader takes back (HLEVEL jump)."""
    registry = DefinitionRegistry()
    list(read_flat((DATA / "debmas07_zext_trimmed.txt").read_bytes(), "x", registry))  # Z2KNA1X001, level 02
    extension = Segment("Z1KNA1X", {"SDATA": "GOLD"})
    doc = RawDocument("erp_sap", "DEBMAS", "0000000000000042", "idoc",
                      [Segment("E1KNA1M", {"KUNNR": "42"}, [Segment("E1KNVVM", {"VKORG": "1000"}, [extension])])],
                      {"IDOCTYP": "DEBMAS07", "MESTYP": "DEBMAS", "DOCNUM": "0000000000000042"})
    rendered = render_flat([doc], registry)
    assert b"Z2KNA1X001" in rendered
    (again,) = read_flat(rendered, "again", registry)
    assert next(next(again.body[0].find("E1KNVVM")).find("Z1KNA1X")).fields == {"SDATA": "GOLD"}


@pytest.mark.parametrize("seg_type", ["Z1PRICE100", "Z10000", "Z1KNA1X"])
def test_an_unknown_segment_keeps_its_type_name_through_a_flat_file(seg_type: str) -> None:
    """Found by fuzzing: Z1PRICE100 went out as Z2PRICE100 and came back as Z1PRICE
    (version 100 stripped); a type ending in three digits now keeps its own name."""
    doc = RawDocument("erp_sap", "DEBMAS", "0000000000000042", "idoc",
                      [Segment("E1KNA1M", {"KUNNR": "42"}, [Segment(seg_type, {"SDATA": "X"})])],
                      {"IDOCTYP": "DEBMAS07", "MESTYP": "DEBMAS", "DOCNUM": "0000000000000042"})
    (again,) = read_flat(render_flat([doc], DefinitionRegistry()), "again", DefinitionRegistry())
    assert [s.name for s in again.body[0].children] == [seg_type]


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("debmas07_truncated.txt", ["IDoc 0000000000471103", "E2KNVVM007", "line 30", "truncated"]),
        ("debmas07_segnum.txt", ["IDoc 0000000000471101", "line 5", "SEGNUM 000009 out of order; expected 000004"]),
        ("debmas07_hlevel.txt", ["IDoc 0000000000471101", "E1KNVPM", "line 4", "HLEVEL jump from 02"]),
        ("debmas07_datafirst.txt", ["E2KNA1M005", "line 1", "data record before any control record"]),
        ("debmas07_nolinebreaks_truncated.txt",
         ["IDoc 0000000000471202", "record 21 at character offset 20182", "363 of 1063 characters"]),
    ],
)
def test_corrupted_files_give_one_precise_error(name: str, parts: list[str]) -> None:
    with pytest.raises(IdocError) as caught:
        parse(name)
    message = str(caught.value)
    for part in parts:
        assert part in message
    assert name in message


def test_bytes_that_are_no_text_in_the_encoding_are_named() -> None:
    """A latin-1 file read as UTF-8 failed "after line 0", before any record: the text
    layer decodes ahead. The byte, its line, its segment and its IDoc are named now."""
    payload = (DATA / "debmas07_zext_trimmed.txt").read_text(encoding="utf-8").encode("latin-1")
    with pytest.raises(IdocError) as caught:
        list(read_flat(payload, "latin1.txt"))
    assert str(caught.value) == (
        "IDoc 0000000000471101 in latin1.txt: field 'E2KNA1M005': line 2, byte 762: byte 0xFC is not valid utf-8"
        " (invalid start byte); set [plugins.erp_sap] encoding to the file's")
    assert payload[762:763] == "ü".encode("latin-1")


def test_garbage_segment_names_do_not_grow_the_registry_without_end() -> None:
    """Seen fuzzing: every segment name a file carried was cached for good, refused file or not."""
    registry = DefinitionRegistry()
    header = render_flat([make_doc()]).decode("utf-8").split("\n")[0]
    for batch in range(3):
        names = (f"Z2N{batch}{n:06d}X".ljust(30) + " " * 3 + "0000000000000042" for n in range(REMEMBERED_NAMES))
        records = [header] + [f"{name}{n + 1:06d}00000002" for n, name in enumerate(names)]
        with pytest.raises(IdocError, match="mandatory segment E1KNA1M missing"):
            list(read_flat("\n".join(records).encode(), "names.txt", registry))
    defn = registry.get("DEBMAS07")
    assert defn is not None
    assert max(len(defn._records), len(defn._flat_names), len(registry._learned)) <= REMEMBERED_NAMES
    assert registry.learned("Z1N0000000X") == "Z2N0000000X"


def make_doc(**control: str) -> RawDocument:
    fields = {"IDOCTYP": "DEBMAS07", "MESTYP": "DEBMAS", "DOCNUM": "0000000000000042", **control}
    return RawDocument("erp_sap", "DEBMAS", "0000000000000042", "idoc",
                       [Segment("E1KNA1M", {"KUNNR": "42", "NAME1": "X"})], fields)


def test_control_record_problems() -> None:
    good = render_flat([make_doc()]).decode()
    with pytest.raises(IdocError, match="truncated control record"):
        list(read_flat(good[:60].encode()))
    with pytest.raises(IdocError, match="no segment definitions for IDoc type ABCDEF01"):
        list(read_flat(render_flat([make_doc()]).replace(b"DEBMAS07", b"ABCDEF01")))
    with pytest.raises(IdocError, match="DOCNUM 'A000000000000042' is not a number"):
        list(read_flat(good.replace("0000000000000042", "A000000000000042", 1).encode()))
    with pytest.raises(IdocError, match="no data records"):
        list(read_flat(good.split("\n")[0].encode()))
    with pytest.raises(IdocError, match="mandatory segment E1KNA1M missing"):
        doc = make_doc()
        doc.body = [Segment("E1KNVVM", {"VKORG": "1000"})]
        list(read_flat(render_flat([doc])))


def test_render_rejects_what_does_not_fit() -> None:
    doc = make_doc()
    doc.body[0].fields["KUNNR"] = "12345678901"
    with pytest.raises(IdocError, match="KUNNR is 11 characters, segment E1KNA1M holds 10"):
        render_flat([doc])
    doc = make_doc()
    doc.body[0].fields["NOSUCH"] = "1"
    with pytest.raises(IdocError, match="field NOSUCH is not part of segment E1KNA1M"):
        render_flat([doc])


def test_blank_psgnum_and_hlevel_are_placed_by_definition() -> None:
    records = normalised(render_flat([
        RawDocument("erp_sap", "DEBMAS", "0000000000000042", "idoc",
                    [Segment("E1KNA1M", {"KUNNR": "42"},
                             [Segment("E1KNVVM", {"VKORG": "1000"}, [Segment("E1KNVPM", {"PARVW": "AG"})])])],
                    {"IDOCTYP": "DEBMAS07", "MESTYP": "DEBMAS", "DOCNUM": "0000000000000042"})]))
    blanked = [r if r.startswith("EDI_DC40") else r[:55] + " " * 8 + r[63:] for r in records]
    (doc,) = read_flat("\n".join(blanked).encode())
    vv = next(doc.body[0].find("E1KNVVM"))
    assert next(vv.find("E1KNVPM")).fields == {"PARVW": "AG"}


def test_the_archive_copy_keeps_every_character_but_the_padding() -> None:
    doc = RawDocument("erp_sap", "DEBMAS", "0000000000000042", "idoc",
                      [Segment("E1KNA1M", {"KUNNR": "42", "NAME1": "Padded GmbH"}, [Segment("E1KNVVM", {})])],
                      {"IDOCTYP": "DEBMAS07", "MESTYP": "DEBMAS", "DOCNUM": "0000000000000042"})
    padded = [r if r.startswith("EDI_DC40") else r.ljust(1063)
              for r in render_flat([doc]).decode("utf-8").splitlines()]
    # the empty child: blank PSGNUM and HLEVEL too, so its header ends in blanks
    padded[2] = padded[2][:55] + " " * 1008
    (parsed,) = read_flat("\n".join(padded).encode())
    copy = parsed.payload.decode("utf-8").split("\n")
    assert copy[0] == padded[0] and len(copy[0]) == 524
    assert copy[1] == padded[1].rstrip() and len(copy[1]) < 300
    assert copy[2] == padded[2][:63]
    (again,) = read_flat(parsed.payload)
    assert again.body == parsed.body

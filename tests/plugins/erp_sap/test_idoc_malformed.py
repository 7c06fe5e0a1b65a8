"""A corpus of malformed IDoc files, made here from the valid samples (large ones are not
committed), each with the one error line it must give: the document (IDoc number where
one was read), the segment or field, and the reason. Ingested through the real ``hub
ingest``, none of them stores anything.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.store import migrate
from hub.core.store.db import create_engine
from plugins.erp_sap.idoc.codec import Definitions, IdocCodecs
from plugins.erp_sap.idoc.errors import IdocError

DATA = Path(__file__).resolve().parent / "data"
REPO = Path(__file__).resolve().parents[3]
ERP_MAPPINGS = REPO / "plugins" / "erp_sap" / "mappings"
HUB = str(Path(sys.executable).parent / "hub")
FLAT = (DATA / "debmas07_zext_trimmed.txt").read_bytes()
FIXED = (DATA / "debmas07_nolinebreaks.txt").read_bytes()
MATMAS = (DATA / "matmas05.xml").read_bytes()
DEBMAS_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<DEBMAS07>
<IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><DOCNUM>0000000000123456</DOCNUM><IDOCTYP>DEBMAS07</IDOCTYP>
<MESTYP>DEBMAS</MESTYP></EDI_DC40><E1KNA1M SEGMENT="1"><KUNNR>0000100001</KUNNR>
<NAME1>M&#252;ller GmbH</NAME1></E1KNA1M></IDOC></DEBMAS07>
"""
SHAPE = re.compile(r"^IDoc (\d{16}|\(number unknown\)) in \S+: field '[^']+': (.+: )?\S[^\n]*$")
LAUGHS = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))


def _flat_field(payload: bytes, line: int, start: int, end: int, value: bytes) -> bytes:
    """A flat file with characters ``start:end`` of record ``line`` (1-based) replaced."""
    records = payload.split(b"\n")
    record = records[line - 1]
    records[line - 1] = record[:start] + value + record[end:]
    return b"\n".join(records)


def _with_dtd(dtd: bytes, reference: bytes = b"") -> bytes:
    body = DEBMAS_XML.replace(b"M&#252;ller GmbH", reference or b"Mueller GmbH")
    return body.replace(b"<DEBMAS07>", dtd + b"\n<DEBMAS07>", 1)


# name: (payload, the error line with {source} for the file's name)
CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "truncated.txt": (
        lambda: FLAT[:6445],  # inside the header of line 30
        "IDoc 0000000000471103 in {source}: field 'E2KNVVM007': line 30:"
        " data record has 41 characters; its header alone needs 63 (truncated?)"),
    "truncated_fixed.txt": (
        lambda: FIXED[:15000],
        "IDoc 0000000000471202 in {source}: field 'E2KNVPM002': record 16 at character offset 14867:"
        " file ends inside a record: 131 of 1063 characters (truncated?)"),
    "truncated.xml": (
        lambda: MATMAS[:4000],
        "IDoc 0000000000552002 in {source}: field 'XML': XML line 146 column 1:"
        " XML ends before IDoc 0000000000552002 is complete (truncated?)"),
    "latin1_declared_utf8.xml": (
        lambda: MATMAS.replace(b"Kreiselpumpe", "Kreiselpümpe".encode("latin-1")),
        "IDoc 0000000000552001 in {source}: field 'XML': XML line 43 column 24:"
        " not valid UTF-8 (is the file in another encoding than it declares?)"),
    "latin1_flat.txt": (
        lambda: FLAT.decode("utf-8").encode("latin-1"),
        "IDoc 0000000000471101 in {source}: field 'E2KNA1M005': line 2, byte 762:"
        " byte 0xFC is not valid utf-8 (invalid start byte); set [plugins.erp_sap] encoding to the file's"),
    "utf16_without_bom_claiming_utf8.xml": (
        lambda: MATMAS.decode("utf-8").encode("utf-16-le"),
        "IDoc (number unknown) in {source}: field 'XML': XML line 1:"
        " bytes are UTF-16LE without a byte order mark, but the XML declares encoding UTF-8"),
    "billion_laughs.xml": (
        lambda: _with_dtd(f'<!DOCTYPE DEBMAS07 [<!ENTITY lol0 "lol">{LAUGHS}]>'.encode(), b"&lol9;"),
        "IDoc (number unknown) in {source}: field 'XML': XML line 2: XML with a DTD or entity declarations is refused"),
    "external_entity.xml": (
        lambda: _with_dtd(b'<!DOCTYPE DEBMAS07 [<!ENTITY secret SYSTEM "file:///etc/passwd">]>', b"&secret;"),
        "IDoc (number unknown) in {source}: field 'XML': XML line 2: XML with a DTD or entity declarations is refused"),
    "external_dtd.xml": (
        lambda: _with_dtd(b'<!DOCTYPE DEBMAS07 SYSTEM "http://127.0.0.1:9/idoc.dtd">'),
        "IDoc (number unknown) in {source}: field 'XML': XML line 2: XML with a DTD or entity declarations is refused"),
    "parameter_entities.xml": (
        lambda: _with_dtd(b'<!DOCTYPE DEBMAS07 [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'),
        "IDoc (number unknown) in {source}: field 'XML': XML line 2: XML with a DTD or entity declarations is refused"),
    "dtd_after_a_long_prolog.xml": (
        lambda: _with_dtd(b"<!--" + b"x" * 70_000 + b'-->\n<!DOCTYPE DEBMAS07 [<!ENTITY e "v">]>', b"&e;"),
        "IDoc (number unknown) in {source}: field 'XML': before XML line 5: XML with a DTD or entity declarations"
        " is refused"),
    "undefined_entity.xml": (
        lambda: DEBMAS_XML.replace(b"M&#252;ller", b"&uuml;ller"),
        "IDoc 0000000000123456 in {source}: field 'XML': XML line 5: an entity reference other than"
        " &lt; &gt; &amp; &apos; &quot;: XML with a DTD or entity declarations is refused"),
    "field_far_beyond_its_length.xml": (
        lambda: DEBMAS_XML.replace(b"M&#252;ller GmbH", b"M" * 5000),
        "IDoc 0000000000123456 in {source}: field 'E1KNA1M': XML line 5:"
        " field NAME1 is 5000 characters, at most 35 fit"),
    "20mb_text_node.xml": (
        lambda: MATMAS.replace(b"Kreiselpumpe KP-100", b"K" * 20_000_000),
        "IDoc 0000000000552001 in {source}: field 'E1MAKTM': XML line 43:"
        " field MAKTX is more than 10,000,000 characters, at most 40 fit"),
    "control_field_beyond_its_length.xml": (
        lambda: MATMAS.replace(b"<SNDPOR>SAPPRD", b"<SNDPOR>SAPPRD" + b"X" * 100, 1),
        "IDoc 0000000000552001 in {source}: field 'control record': XML line 14:"
        " control field SNDPOR is 106 characters, at most 10 fit"),
    "unknown_segment_beyond_sdata.xml": (
        lambda: DEBMAS_XML.replace(
            b"</E1KNA1M>", b'<Z1KNA1X SEGMENT="1"><ZZTEXT>' + b"z" * 1001 + b"</ZZTEXT></Z1KNA1X></E1KNA1M>"),
        "IDoc 0000000000123456 in {source}: field 'Z1KNA1X': XML line 5:"
        " segment without definition whose fields hold 1001 characters; SDATA holds at most 1000"),
    "record_beyond_1063.txt": (
        lambda: _flat_field(FLAT, 3, 63, 63, b"Z" * 1100),
        "IDoc 0000000000471101 in {source}: field 'E2KNVVM007': line 3:"
        " bad record length 1281; a data record has at most 1063 characters"),
    "letters_in_segnum.txt": (
        lambda: _flat_field(FLAT, 4, 49, 55, b"00000A"),
        "IDoc 0000000000471101 in {source}: field 'E2KNVPM002': line 4: SEGNUM '00000A' is not a number"),
    "letters_in_psgnum.txt": (
        lambda: _flat_field(FLAT, 4, 55, 61, b"00O002"),
        "IDoc 0000000000471101 in {source}: field 'E2KNVPM002': line 4: PSGNUM '00O002' is not a number"),
    "letters_in_hlevel.txt": (
        lambda: _flat_field(FLAT, 4, 61, 63, b"O3"),
        "IDoc 0000000000471101 in {source}: field 'E2KNVPM002': line 4: HLEVEL 'O3' is not a number"),
    "letters_in_docnum.txt": (
        lambda: FLAT.replace(b"0000000000471101", b"00000000004711O1", 1),
        "IDoc (number unknown) in {source}: field 'control record': line 1:"
        " DOCNUM '00000000004711O1' is not a number (corrupted control record?)"),
    "letters_in_docnum.xml": (
        lambda: MATMAS.replace(b"0000000000552001", b"00000000005520O1", 1),
        "IDoc (number unknown) in {source}: field 'control record': XML line 7:"
        " DOCNUM '00000000005520O1' is not a number (corrupted control record?)"),
    "nul_byte.xml": (
        lambda: MATMAS.replace(b"<STATUS>", b"\x00<STATUS>", 1),
        "IDoc 0000000000552001 in {source}: field 'XML': XML line 9 column 7:"
        " XML not well-formed: character U+0000, which XML does not allow"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_malformed_file_gives_its_one_error_line(name: str, tmp_path: Path) -> None:
    build, expected = CASES[name]
    codecs = IdocCodecs(Definitions(tmp_path / "no_definitions"))
    with pytest.raises(IdocError) as caught:
        list(codecs.parse(build(), name))
    assert str(caught.value) == expected.format(source=name)
    assert SHAPE.match(str(caught.value)), "one line: the IDoc, its file, the segment or field, then the reason"


def test_hub_ingest_stores_nothing_of_any_of_them(tmp_path: Path, sqlite_database_url: str) -> None:
    engine = create_engine(sqlite_database_url)
    migrate.upgrade(engine)
    folder = tmp_path / "corpus"
    folder.mkdir()
    paths = []
    for name, (build, _) in sorted(CASES.items()):
        (path := folder / name).write_bytes(build())
        paths.append(str(path))
    env = {**os.environ, "HUB_DATABASE_URL": sqlite_database_url, "HUB_MAPPINGS_DIR": str(ERP_MAPPINGS)}
    run = subprocess.run([HUB, "ingest", "erp_sap", *paths, "--json"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["documents"] == [] and report["summary"] == {}
    errors = {Path(e["file"]).name: e["error"] for e in report["file_errors"]}
    assert errors == {name: expected.format(source=str(folder / name)) for name, (_, expected) in CASES.items()}
    with engine.connect() as conn:
        for table in ("inbound_payloads", "documents", "key_map"):
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
    engine.dispose()

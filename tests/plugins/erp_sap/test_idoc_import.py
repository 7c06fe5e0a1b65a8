"""Importing SAP's own descriptions: WE63 parser text and IDoc-XML XSD, also via the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli.main import build_cli
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from plugins.erp_sap.idoc.definitions import DefinitionRegistry
from plugins.erp_sap.idoc.errors import DefinitionError
from plugins.erp_sap.idoc.flat import read_flat, render_flat
from plugins.erp_sap.idoc.importer import import_description, read_description
from plugins.erp_sap.idoc.we63 import parse_we63
from plugins.erp_sap.idoc.xml import read_xml, render_xml

DATA = Path(__file__).parent / "data"


def test_we63_extension_type() -> None:
    (zdebmas,) = read_description(DATA / "we63_zdebmas07.txt")
    assert zdebmas.name == "ZDEBMAS07"
    kna1 = zdebmas.segments["E1KNA1M"]
    assert (kna1.definition, kna1.parent, kna1.level, kna1.min, kna1.max) == ("E2KNA1M005", None, 1, 1, 1)
    assert [(f.name, f.offset, f.length) for f in kna1.fields[:3]] == [
        ("MSGFN", 0, 3), ("KUNNR", 3, 10), ("ANRED", 13, 15)]
    assert zdebmas.segments["E1KNVVM"].parent == "E1KNA1M"
    assert zdebmas.segments["E1KNVPM"].parent == "E1KNVVM"
    ext = zdebmas.segments["Z1KNA1X"]
    assert (ext.definition, ext.parent, ext.level) == ("Z2KNA1X001", "E1KNA1M", 2)


def test_imported_extension_decodes_z_segment_and_round_trips(tmp_path: Path) -> None:
    import_description(DATA / "we63_zdebmas07.txt", tmp_path)
    registry = DefinitionRegistry([tmp_path])
    original = (DATA / "debmas07_zext_trimmed.txt").read_bytes()
    docs = list(read_flat(original, "x", registry))
    kna1 = docs[0].body[0]
    (ext,) = kna1.find("Z1KNA1X")
    assert ext.fields == {"ZZTIER": "GOLD", "ZZSINCE": "2024-01-15", "ZZCARD": "LOYALTY-0815"}
    assert kna1.fields["LAND1"] == "DE"
    assert "Müller Maschinenbau GmbH" in kna1.fields["SDATA_REST"]  # past the imported fields
    assert render_flat(docs, registry, pad=False) == original
    assert b"<ZDEBMAS07>" in render_xml(docs[:1], registry)


def test_xsd_import_and_parse(tmp_path: Path) -> None:
    (loyal,) = read_description(DATA / "zloyal01.xsd")
    assert loyal.name == "ZLOYAL01"
    assert [(s.type, s.parent, s.level, s.max) for s in loyal.segments.values()] == [
        ("Z1LOYH", None, 1, 1), ("Z1LOYP", None, 2, 999), ("Z1LOYX", "Z1LOYP", 3, 1)]
    assert [(f.name, f.offset, f.length) for f in loyal.segments["Z1LOYP"].fields] == [
        ("POINTS", 0, 15), ("PTYPE", 15, 4), ("POSTED", 19, 8)]
    import_description(DATA / "zloyal01.xsd", tmp_path)
    registry = DefinitionRegistry([tmp_path])
    xml = b"""<ZLOYAL01><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1"><TABNAM>EDI_DC40</TABNAM><DOCNUM>0000000000000077</DOCNUM>
<IDOCTYP>ZLOYAL01</IDOCTYP><MESTYP>ZLOYAL</MESTYP></EDI_DC40><Z1LOYH SEGMENT="1"><PROGRAM>CLUB</PROGRAM>
<MEMBER>M-1</MEMBER></Z1LOYH><Z1LOYP SEGMENT="1"><POINTS>150</POINTS><PTYPE>BASE</PTYPE>
<Z1LOYX SEGMENT="1"><TEXT>Welcome bonus</TEXT></Z1LOYX></Z1LOYP></IDOC></ZLOYAL01>"""
    docs = list(read_xml(xml, "x", registry))
    flat = render_flat(docs, registry)
    lines = flat.decode().splitlines()
    assert lines[3].startswith("Z2LOYX") and lines[3][55:63] == "00000203"
    assert [d.body for d in read_flat(flat, "x", registry)] == [d.body for d in docs]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("BEGIN_SEGMENT_SECTION\nBEGIN_IDOC X01\nBEGIN_SEGMENT E2A\nBEGIN_FIELDS\nNAME F\nCHARACTER_FIRST 000010\n"
         "CHARACTER_LAST 000012\nEND_FIELDS\nEND_SEGMENT\nEND_IDOC\n", "before SDATA"),
        ("BEGIN_SEGMENT_SECTION\nBEGIN_IDOC X01\nBEGIN_SEGMENT E2A\nLEVEL 0x\nEND_SEGMENT\nEND_IDOC\n",
         "'0x' is not a number"),
        ("BEGIN_SEGMENT_SECTION\nBEGIN_IDOC X01\nBEGIN_SEGMENT E2A\nEND_SEGMENT\n", "truncated"),
        ("BEGIN_SEGMENT_SECTION\nBEGIN_IDOC X01\nEND_GROUP\n", "END_GROUP without BEGIN_GROUP"),
    ],
)
def test_bad_we63_names_line(text: str, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        parse_we63(text, "bad.txt")


def test_cli_import_definition(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(DATA / "we63_zdebmas07.txt", tmp_path / "zdebmas07.txt")
    settings = HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.db'}",
                           plugins={"erp_sap": {"definitions_dir": str(tmp_path / "defs")}})
    runtime = HubRuntime(settings)
    result = CliRunner().invoke(build_cli(runtime), ["idoc", "import-definition", "zdebmas07.txt", "--json"],
                                obj=runtime)
    runtime.close()
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["idoc_type"] == "ZDEBMAS07" and row["segments"] == 4
    assert (tmp_path / "defs" / "ZDEBMAS07.json").exists()
    assert DefinitionRegistry([tmp_path / "defs"]).get("DEBMAS07", "ZDEBMAS07").name == "ZDEBMAS07"

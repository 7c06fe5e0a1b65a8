"""The codecs as the hub sees them: registered by the plugin, picked by the payload's head."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from plugins.erp_sap.idoc.codec import Definitions, IdocCodecs
from plugins.erp_sap.idoc.sniff import accepts_flat, accepts_xml

DATA = Path(__file__).parent / "data"


def test_plugin_registers_both_codecs(tmp_path: Path) -> None:
    runtime = HubRuntime(HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.db'}"))
    codecs = runtime.plugins.codecs()
    assert {"erp_sap/idoc-flat", "erp_sap/idoc-xml"} <= set(codecs)
    assert "DEBMAS" in codecs["erp_sap/idoc-flat"].document_kinds
    assert "idoc" in [c.name for c in runtime.plugins.commands()]


@pytest.mark.parametrize(
    ("name", "flat", "xml"),
    [("debmas07_zext_trimmed.txt", True, False), ("debmas07_nolinebreaks.txt", True, False),
     ("orders05.xml", False, True), ("matmas05.xml", False, True), ("zloyal01.xsd", False, False),
     ("we63_zdebmas07.txt", False, False)],
)
def test_accepts(name: str, flat: bool, xml: bool) -> None:
    head = (DATA / name).read_bytes()[:4096]
    assert accepts_flat(head, name) is flat
    assert accepts_xml(head, name) is xml


def test_parse_picks_layout_and_reads_files(tmp_path: Path) -> None:
    codecs = IdocCodecs(Definitions(tmp_path / "none"), encoding="utf-8")
    assert [d.document_id for d in codecs.parse((DATA / "orders05.xml").read_bytes(), "o.xml")] == ["0000000000660001"]
    assert len(list(codecs.parse_file(DATA / "debmas07_nolinebreaks.txt"))) == 2
    with (DATA / "matmas05.xml").open("rb") as stream:
        assert len(list(codecs.parse(stream, "m.xml"))) == 2


def test_latin1_files_with_encoding_setting(tmp_path: Path) -> None:
    payload = (DATA / "debmas07_unicode.txt").read_text(encoding="utf-8").replace("Œ", "O").encode("latin-1")
    codecs = IdocCodecs(Definitions(tmp_path), encoding="latin-1")
    (doc,) = codecs.parse(payload, "latin.txt")
    assert doc.body[0].fields["NAME1"] == "Ouvre Française SARL"
    assert codecs.render_flat([doc]).decode("latin-1").count("Française") == 1


def test_definitions_reload_after_import(tmp_path: Path) -> None:
    definitions = Definitions(tmp_path)
    assert definitions.registry().get("ZLOYAL01") is None
    from plugins.erp_sap.idoc.importer import import_description

    import_description(DATA / "zloyal01.xsd", tmp_path)
    assert definitions.registry().get("ZLOYAL01") is not None

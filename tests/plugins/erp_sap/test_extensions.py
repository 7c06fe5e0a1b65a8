"""Customer extensions: ZDEBMAS07 and Z segments map through the basic type's table, and
an integrator maps the extra segments with a rule in the copied table, without code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from hub.cli.main import build_cli
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from plugins.erp_sap.idoc.codec import Definitions, IdocCodecs
from plugins.erp_sap.idoc.definitions import save_definition
from plugins.erp_sap.idoc.we63 import parse_we63

DATA = Path(__file__).parent / "data"
EXTENDED_FLAT = DATA / "debmas07_zext_trimmed.txt"  # CIMTYP ZDEBMAS07, Z1KNA1X under E1KNA1M
LOYALTY_RULE = """
  # Added by the integrator: the loyalty tier and card of extension segment Z1KNA1X.
  - {target: marketing_attributes.loyalty_tier, source: E1KNA1M/Z1KNA1X.ZZTIER, direction: inbound}
  - {target: marketing_attributes.loyalty_card, source: E1KNA1M/Z1KNA1X.ZZCARD, direction: inbound}
"""


class Hub:
    """A hub in an empty installation folder, driven through its CLI."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.runtime = HubRuntime(HubSettings(
            database_url=f"sqlite:///{folder / 'hub.db'}", mappings_dir=folder / "mappings",
            disabled_plugins=["ecommerce", "loyalty_pos"],
            plugins={"erp_sap": {"definitions_dir": str(folder / "idoc_definitions")}}))

    def run(self, *args: str) -> tuple[int, Any]:
        result = CliRunner().invoke(build_cli(self.runtime), [*args, "--json"], obj=self.runtime)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, json.loads(result.output)

    def dry_run(self, path: Path) -> tuple[int, list[dict[str, Any]]]:
        return self.run("dry-run", "erp_sap", str(path))


def test_an_extended_flat_idoc_maps_with_the_basic_table_and_reports_its_z_segment(tmp_path: Path) -> None:
    code, entries = Hub(tmp_path).dry_run(EXTENDED_FLAT)
    assert code == 0
    assert len(entries) == 3 and all(e["mapping_file"].endswith("erp_sap/DEBMAS.yaml") for e in entries)
    assert "E1KNA1M/Z1KNA1X.SDATA" in entries[0]["unmapped"]


def test_an_imported_extension_is_completed_from_its_basic_type(tmp_path: Path) -> None:
    """The WE63 text of ZDEBMAS07 describes only some standard segments besides Z1KNA1X:
    the extension's segments decode with it, the others with the shipped DEBMAS07."""
    (definition,) = parse_we63((DATA / "we63_zdebmas07.txt").read_text(encoding="utf-8"), "we63_zdebmas07.txt")
    assert "E1KNB1M" not in definition.segments
    save_definition(definition, tmp_path / "defs")
    raw = next(IdocCodecs(Definitions(tmp_path / "defs")).parse(EXTENDED_FLAT.read_bytes(), "zdebmas.txt"))
    kna1 = next(s for s in raw.body if s.name == "E1KNA1M")
    segments = {child.name: child.fields for child in kna1.children}
    assert (segments["Z1KNA1X"]["ZZTIER"], segments["Z1KNA1X"]["ZZCARD"]) == ("GOLD", "LOYALTY-0815")
    assert "BUKRS" in segments["E1KNB1M"] and "SDATA" not in segments["E1KNB1M"]


def _xml(root: str, control: str, mestyp: str = "DEBMAS") -> bytes:
    """An extended DEBMAS as another SAP system writes it: the extension's name as the root
    element, the control record with or without CIMTYP."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root}>
  <IDOC BEGIN="1">
    <EDI_DC40 SEGMENT="1">
      <TABNAM>EDI_DC40</TABNAM><MANDT>100</MANDT><DOCNUM>0000000000990001</DOCNUM>
      <IDOCTYP>DEBMAS07</IDOCTYP>{control}<MESTYP>{mestyp}</MESTYP>
      <SNDPOR>SAPQ01</SNDPOR><SNDPRT>LS</SNDPRT><SNDPRN>Q01CLNT100</SNDPRN>
      <RCVPOR>CRMHUB</RCVPOR><RCVPRT>LS</RCVPRT><RCVPRN>CRMHUB</RCVPRN>
    </EDI_DC40>
    <E1KNA1M SEGMENT="1">
      <MSGFN>005</MSGFN><KUNNR>0000200042</KUNNR><ANRED>Firma</ANRED><LAND1>AT</LAND1>
      <NAME1>Alpenblick Handels GmbH</NAME1><ORT01>Innsbruck</ORT01><SPRAS>D</SPRAS>
      <E1KNVVM SEGMENT="1">
        <VKORG>1000</VKORG><VTWEG>10</VTWEG><SPART>00</SPART><WAERS>EUR</WAERS><ZTERM>0001</ZTERM>
        <INCO1>CIP</INCO1><INCO2>Wien</INCO2>
      </E1KNVVM>
      <Z1KNA1X SEGMENT="1"><ZZTIER>SILVER</ZZTIER><ZZCARD>LOYALTY-4711</ZZCARD></Z1KNA1X>
    </E1KNA1M>
  </IDOC>
</{root}>
""".encode()


def test_xml_with_the_extension_as_root_element_and_no_cimtyp(tmp_path: Path) -> None:
    path = tmp_path / "zdebmas.xml"
    path.write_bytes(_xml("ZDEBMAS07", ""))
    code, entries = Hub(tmp_path).dry_run(path)
    assert code == 0, entries
    partner = entries[0]["document"]
    assert (partner["organisation_name"], partner["language"], partner["addresses"][0]["country"]) == (
        "Alpenblick Handels GmbH", "de", "AT")
    assert {"E1KNA1M/Z1KNA1X.ZZTIER", "E1KNA1M/Z1KNA1X.ZZCARD"} <= set(entries[0]["unmapped"])


def test_xml_with_cimtyp_and_a_customer_message_type_maps_through_the_basic_type(tmp_path: Path) -> None:
    hub = Hub(tmp_path)
    assert hub.run("mapping", "copy", "erp_sap", "DEBMAS")[0] == 0
    table = tmp_path / "mappings" / "erp_sap" / "DEBMAS.yaml"
    table.write_text(table.read_text(encoding="utf-8") + LOYALTY_RULE, encoding="utf-8")
    path = tmp_path / "zdebmas.xml"
    path.write_bytes(_xml("ZDEBMAS07", "<CIMTYP>ZDEBMAS07</CIMTYP>", mestyp="ZDEBMAS"))
    code, entries = hub.dry_run(path)
    assert code == 0, entries
    assert entries[0]["message_type"] == "ZDEBMAS"
    assert entries[0]["document"]["marketing_attributes"] == {"loyalty_tier": "SILVER", "loyalty_card": "LOYALTY-4711"}

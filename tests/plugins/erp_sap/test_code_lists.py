"""SAP's standard code lists shipped with erp_sap, on IDocs wider than our samples.

The IDocs are written the way an SAP system writes them (flat and XML, through the
plugin's own codecs) and mapped with ``hub dry-run`` in a hub whose installation has
no tables of its own, so the plugin's shipped tables and lists are what is tested.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli.main import build_cli
from hub.core.mapping.money import decimal_places
from hub.core.mapping.values import ValueList, read_csv_value_list
from hub.core.raw import RawDocument, Segment
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from plugins.erp_sap.idoc.codec import Definitions, IdocCodecs

DATA = Path(__file__).parent / "data"
LISTS = Path(__file__).resolve().parents[3] / "plugins" / "erp_sap" / "mappings"
CODECS = IdocCodecs(Definitions(DATA / "no-such-folder"))


def value_list(name: str, folder: str = "erp_sap/values") -> ValueList:
    vl, problems = read_csv_value_list(name, LISTS / folder / f"{name}.csv")
    assert problems == []
    return vl


def dry_run(tmp_path: Path, payload: bytes, name: str) -> tuple[int, list[dict[str, Any]]]:
    """``hub dry-run erp_sap FILE --json`` in a fresh installation folder."""
    runtime = HubRuntime(HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.db'}",
                                     mappings_dir=tmp_path / "mappings",
                                     disabled_plugins=["ecommerce", "loyalty_pos"]))
    path = tmp_path / name
    path.write_bytes(payload)
    result = CliRunner().invoke(build_cli(runtime), ["dry-run", "erp_sap", str(path), "--json"], obj=runtime)
    runtime.close()
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output)


def test_units_cover_t006_both_ways_with_one_outbound_unit_per_iso_code() -> None:
    units = value_list("units")
    assert len(units.inbound) > 200
    assert {units.inbound[k] for k in ("ST", "KAR", "HL", "FOZ", "µM", "KWH", "TAG", "JHR")} == {
        "PCE", "CT", "HLT", "OZA", "4H", "KWH", "DAY", "ANN"}
    # Activity units LE and AU share ISO C62: both come in, LE is the declared outbound unit.
    assert units.inbound["AU"] == units.inbound["LE"] == "C62" and units.outbound["C62"] == "LE"
    # An ISO code sent as is maps to itself, unless it is an SAP key meaning something else:
    # SAP's PAL is a pallet (ISO PF), while ISO PAL is the pascal (SAP PA).
    assert units.inbound["PCE"] == "PCE" and units.inbound["PAL"] == "PF" and units.outbound["PAL"] == "PA"


def test_currency_decimals_agree_with_the_amount_rules() -> None:
    rows = (LISTS / "values" / "currencies.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    places = {cells[0]: cells[header.index("decimals")] for cells in (r.split(",") for r in rows[1:])}
    assert len(places) > 170
    assert (places["JPY"], places["EUR"], places["KWD"], places["CLF"], places["XAU"]) == ("0", "2", "3", "4", "")
    assert all(int(p) == decimal_places(code) for code, p in places.items() if p)


def test_languages_take_sap_one_letter_and_iso_two_letter_keys() -> None:
    sap, iso = value_list("sap_languages", "values"), value_list("languages", "values")
    assert (sap.inbound["D"], sap.inbound["E"], sap.inbound["1"], sap.inbound["M"]) == ("de", "en", "zh", "zh-TW")
    assert sap.outbound["sr"] == "0"  # Serbian (Latin, d) comes in, is written as 0
    assert (iso.inbound["DE"], iso.inbound["ZF"], len(iso.inbound)) == ("de", "zh-TW", 185)
    countries = value_list("countries", "values")
    assert len(countries.inbound) >= 250 and countries.inbound["UK"] == "GB"


MATMAS_XML = (DATA / "matmas05.xml").read_text(encoding="utf-8")


def test_xml_matmas_with_a_raw_material_in_cartons(tmp_path: Path) -> None:
    payload = (MATMAS_XML.replace("<MTART>FERT</MTART>", "<MTART>ROH</MTART>")
               .replace("<MEINS>ST</MEINS>", "<MEINS>KAR</MEINS>")
               .replace("<GEWEI>KGM</GEWEI>", "<GEWEI>LB</GEWEI>")
               .replace("<SPRAS_ISO>DE</SPRAS_ISO>", ""))
    code, entries = dry_run(tmp_path, payload.encode(), "matmas.xml")
    assert code == 0, entries
    product = entries[0]["document"]
    assert (product["kind"], product["base_unit"], product["gross_weight"]["unit"]) == ("material", "CT", "LBR")
    # The German text came with SPRAS D only, the English one with both keys.
    assert [d["language"] for d in product["descriptions"]] == ["de", "en"]


def _debmas(**fields: str) -> RawDocument:
    raw = next(CODECS.parse((DATA / "debmas07_unicode.txt").read_bytes(), "debmas.txt"))
    kna1 = next(s for s in raw.body if s.name == "E1KNA1M")
    kna1.fields.update(fields)
    return raw


def _knvv(raw: RawDocument) -> Segment:
    kna1 = next(s for s in raw.body if s.name == "E1KNA1M")
    return next(s for s in kna1.children if s.name == "E1KNVVM")


def test_flat_debmas_with_sap_language_key_and_standard_incoterms(tmp_path: Path) -> None:
    raw = _debmas(ANRED="Herr und Frau", NAME1="Curie", NAME2="Marie", SPRAS="F", SPRAS_ISO="")
    _knvv(raw).fields.update(ZTERM="0002", INCO1="DPU", INCO2="Lyon")
    code, entries = dry_run(tmp_path, CODECS.render_flat([raw]), "debmas.txt")
    assert code == 0, entries
    partner = entries[0]["document"]
    assert (partner["kind"], partner["last_name"], partner["first_name"], partner["language"]) == (
        "person", "Curie", "Marie", "fr")
    area = partner["sales_areas"][0]
    assert (area["payment_terms"], area["incoterms"]) == ("0002", "DPU")
    assert entries[0]["warnings"] == []


def test_unknown_payment_terms_are_kept_and_flagged_unknown_incoterms_refused(tmp_path: Path) -> None:
    raw = _debmas()
    _knvv(raw).fields.update(ZTERM="Z042", INCO1="FOB")
    code, entries = dry_run(tmp_path, CODECS.render_flat([raw]), "debmas.txt")
    assert code == 0 and entries[0]["document"]["sales_areas"][0]["payment_terms"] == "Z042"
    [warning] = entries[0]["warnings"]
    assert "sales_areas.*.payment_terms <- ZTERM: code 'Z042' is not in value list payment_terms" in warning
    assert warning.endswith("payment_terms.csv); kept as is (unknown: keep)")

    _knvv(raw).fields.update(INCO1="XYZ")
    code, entries = dry_run(tmp_path, CODECS.render_flat([raw]), "debmas2.txt")
    assert code == 1
    error = entries[0]["error"]
    assert "field 'sales_areas.0.incoterms <- E1KNA1M/E1KNVVM#2/INCO1'" in error
    assert "'XYZ' is not in value list incoterms (" in error
    assert "erp_sap/values/incoterms.csv): add a row there (`hub mapping copy` puts" in error
    assert "unknown-code policy" in error


@pytest.mark.parametrize("unit", ["HL", "FOZ", "KWH", "M3", "MIN"])
def test_xml_orders_with_units_beyond_our_samples(tmp_path: Path, unit: str) -> None:
    iso = value_list("units").inbound[unit]
    sample = (DATA / "orders05.xml").read_text(encoding="utf-8")
    payload = sample.replace("<MENEE>PCE</MENEE>", f"<MENEE>{unit}</MENEE>")
    assert f"<MENEE>{unit}</MENEE>" in payload
    code, entries = dry_run(tmp_path, payload.encode(), "orders.xml")
    units = {item["quantity"]["unit"] for e in entries for item in (e["document"] or {}).get("items", [])}
    assert units == {iso}, entries
    # The sold-to party is unknown to an empty hub: a warning, not a failure.
    assert code == 0
    assert any("partner 100001 of erp_sap" in w for e in entries for w in e["warnings"])

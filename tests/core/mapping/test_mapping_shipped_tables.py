"""The shipped DEBMAS, MATMAS and INVOIC tables on realistic IDoc trees."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from mapping_samples import lookup, reverse_lookup, seg

from hub.core.errors import NotFoundError
from hub.core.mapping import MappingSet, load_mapping_set
from hub.core.raw import RawDocument

MAPPINGS = Path(__file__).resolve().parents[3] / "plugins" / "erp_sap" / "mappings"


@pytest.fixture(scope="module")
def mappings() -> MappingSet:
    return load_mapping_set([MAPPINGS])


def debmas(**overrides: str) -> RawDocument:
    kna1 = dict(MSGFN="005", KUNNR="0000012345", NAME1="ACME Trading", NAME2="GmbH", STRAS="Hafenstr. 1",
                PSTLZ="20457", ORT01="Hamburg", LAND1="DE", SPRAS_ISO="DE", TELF1="+49 40 123",
                STCEG="DE123456789", AUFSD="01", ANRED="Firma")
    kna1.update(overrides)
    body = [seg("E1KNA1M", [
        seg("E1KNVVM", VKORG="1000", VTWEG="10", SPART="00", WAERS="EUR", ZTERM="ZB14", INCO1="FCA",
            INCO2="Hamburg"),
        seg("E1KNVVM", VKORG="2000", VTWEG="20", SPART="00", WAERS="USD"),
    ], **kna1)]
    return RawDocument("erp_sap", "DEBMAS", "0000000000000042", "idoc", body, {"IDOCTP": "DEBMAS07"})


def test_debmas_to_partner(mappings):
    result = mappings.map_inbound(debmas())
    partner = result.document
    assert partner.kind == "organisation" and partner.organisation_name == "ACME Trading GmbH"
    assert partner.external_id("erp_sap") == "12345" and partner.language == "de"
    assert partner.roles == ["sold_to"]
    assert [(a.kind, a.street, a.postal_code, a.city, a.country) for a in partner.addresses] == [
        ("main", "Hafenstr. 1", "20457", "Hamburg", "DE")]
    assert [(p.kind, p.number) for p in partner.phones] == [("phone", "+49 40 123")]
    assert [(t.category, t.number) for t in partner.tax_numbers] == [("VAT", "DE123456789")]
    assert [(b.kind, b.reason) for b in partner.blocks] == [("order", "credit_limit")]
    assert [(s.sales_org, s.currency, s.incoterms) for s in partner.sales_areas] == [
        ("1000", "EUR", "FCA"), ("2000", "USD", None)]
    assert result.unmapped == ["E1KNA1M.MSGFN"]


def test_debmas_person_and_legacy_country_key(mappings):
    partner = mappings.map_inbound(debmas(ANRED="Frau", NAME1="Lovelace", NAME2="Ada", LAND1="UK")).document
    assert (partner.kind, partner.last_name, partner.first_name) == ("person", "Lovelace", "Ada")
    assert partner.addresses[0].country == "GB"


def test_debmas_round_trip(mappings):
    partner = mappings.map_inbound(debmas()).document
    raw = mappings.render("erp_sap", partner).raw
    kna1 = raw.body[0]
    assert (kna1.name, kna1.fields["KUNNR"], kna1.fields["NAME1"], kna1.fields["ANRED"]) == (
        "E1KNA1M", "0000012345", "ACME", "Firma")
    assert [c.name for c in kna1.children] == ["E1KNVVM", "E1KNVVM"]
    assert mappings.map_inbound(raw).document == partner


def matmas() -> RawDocument:
    body = [seg("E1MARAM", [
        seg("E1MAKTM", SPRAS_ISO="EN", MAKTX="Widget"),
        seg("E1MAKTM", SPRAS_ISO="DE", MAKTX="Bauteil"),
        seg("E1MARMM", MEINH="ST", UMREZ="1", UMREN="1"),
        seg("E1MARMM", MEINH="KAR", UMREZ="12", UMREN="1", EAN11="4006381333931"),
    ], MATNR="000000000000004711", MTART="FERT", MEINS="ST", MATKL="TOYS", BRGEW="0.250", GEWEI="KG")]
    return RawDocument("erp_sap", "MATMAS", "7", "idoc", body)


def test_matmas_to_product_skips_base_unit_conversion(mappings):
    product = mappings.map_inbound(matmas()).document
    assert (product.kind, product.base_unit, product.product_group) == ("material", "PCE", "TOYS")
    assert product.external_id("erp_sap") == "4711"
    assert product.gross_weight.value == Decimal("0.250") and product.gross_weight.unit == "KGM"
    assert [(d.language, d.text) for d in product.descriptions] == [("en", "Widget"), ("de", "Bauteil")]
    assert [(c.unit, c.numerator, c.ean) for c in product.conversions] == [("CT", Decimal("12"), "4006381333931")]
    assert product.status == "active"


def test_matmas_round_trip(mappings):
    product = mappings.map_inbound(matmas()).document
    raw = mappings.render("erp_sap", product).raw
    assert raw.body[0].fields["MATNR"] == "000000000000004711"
    assert mappings.map_inbound(raw).document == product


def test_invoic_to_billing_document(mappings):
    body = [
        seg("E1EDK01", CURCY="EUR", BELNR="0090000123", ZTERM="ZB14"),
        seg("E1EDK14", QUALF="015", ORGID="G2"),
        seg("E1EDK03", IDDAT="012", DATUM="20240401"),
        seg("E1EDKA1", PARVW="AG", PARTN="0000012345"),
        seg("E1EDKA1", PARVW="RG", PARTN="0000012345"),
        seg("E1EDK04", MWSKZ="A1", MSATZ="19.00", MWSBT="19.00"),
        seg("E1EDP01", [seg("E1EDP19", QUALF="002", IDTNR="000000000000004711", KTEXT="Widget")],
            POSEX="000010", MENGE="10.000", MENEE="ST", NETWR="100.00"),
        seg("E1EDS01", SUMID="010", SUMME="100.00", WAERQ="EUR"),
        seg("E1EDS01", SUMID="005", SUMME="19.00", WAERQ="EUR"),
        seg("E1EDS01", SUMID="011", SUMME="119.00", WAERQ="EUR"),
    ]
    bill = mappings.map_inbound(RawDocument("erp_sap", "INVOIC", "8", "idoc", body), lookup).document
    assert bill.billing_type == "credit_memo" and bill.billing_date == date(2024, 4, 1)
    assert bill.payer_hub_id == bill.sold_to_hub_id == "bp_SOLDTO"
    assert [(t.code, t.rate, t.amount.amount) for t in bill.taxes] == [("A1", Decimal("19.00"), Decimal("19.00"))]
    assert bill.items[0].net_value.amount == Decimal("100.00") and bill.gross_value.amount == Decimal("119.00")
    with pytest.raises(NotFoundError, match="no outbound mapping table for erp_sap billing_document"):
        mappings.render("erp_sap", bill, reverse_lookup)


def test_debmas_birth_date_and_identifications_from_the_extension_segments_round_trip(mappings):
    raw = debmas(ANRED="Frau", NAME1="Lovelace", NAME2="Ada")
    raw.body[0].children.extend([
        seg("Z1BUT000", BIRTHDT="18151210"),
        seg("Z1BUT0ID", TYPE="FS0002", IDNUMBER="C01X00T47", COUNTRY="GB"),
        seg("Z1BUT0ID", TYPE="ZCLUB", IDNUMBER="4711"),
    ])
    partner = mappings.map_inbound(raw).document
    assert partner.birth_date == date(1815, 12, 10)
    assert [(i.kind, i.number, i.country) for i in partner.identifications] == [
        ("passport", "C01X00T47", "GB"), ("ZCLUB", "4711", None)]
    rendered = mappings.render("erp_sap", partner).raw
    segments = {c.name: c.fields for c in rendered.body[0].children if c.name.startswith("Z1")}
    assert segments["Z1BUT000"]["BIRTHDT"] == "18151210"
    assert [c.fields for c in rendered.body[0].children if c.name == "Z1BUT0ID"] == [
        {"TYPE": "FS0002", "IDNUMBER": "C01X00T47", "COUNTRY": "GB"}, {"TYPE": "ZCLUB", "IDNUMBER": "4711"}]
    assert mappings.map_inbound(rendered).document == partner


def test_debmas_without_extension_segments_renders_none(mappings):
    rendered = mappings.render("erp_sap", mappings.map_inbound(debmas()).document).raw
    assert [c.name for c in rendered.body[0].children] == ["E1KNVVM", "E1KNVVM"]

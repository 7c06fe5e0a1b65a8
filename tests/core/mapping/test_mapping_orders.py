"""The shipped ORDERS table: qualifiers, groups, lookups, rendering and round trips."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from mapping_samples import lookup, order_raw, order_segments, reverse_lookup, seg

from hub.core.errors import DocumentError, NotFoundError
from hub.core.mapping import MappingSet, load_mapping_set
from hub.core.raw import RawDocument, Segment

MAPPINGS = Path(__file__).resolve().parents[3] / "plugins" / "erp_sap" / "mappings"


@pytest.fixture(scope="module")
def mappings() -> MappingSet:
    return load_mapping_set([MAPPINGS])


def test_header_fields_through_qualifiers(mappings):
    order = mappings.map_inbound(order_raw(), lookup).document
    assert (order.sales_org, order.distribution_channel, order.division) == ("1000", "10", "00")
    assert order.order_type == "standard"
    assert order.order_date == date(2024, 3, 15)
    assert order.requested_delivery_date is None  # 00000000 is no date
    assert order.customer_reference == "PO-77"
    assert (order.incoterms, order.incoterms_location) == ("FCA", "Hamburg")
    assert order.external_id("erp_sap") == "4711"  # ALPHA: leading zeros removed


def test_qualifier_picks_the_matching_segment_not_the_first(mappings):
    raw = order_raw()
    raw.body.insert(1, seg("E1EDK14", QUALF="099", ORGID="WRONG"))
    assert mappings.map_inbound(raw, lookup).document.sales_org == "1000"


def test_repeating_groups_items_partners_schedule_lines(mappings):
    order = mappings.map_inbound(order_raw(items=3), lookup).document
    assert [i.item_number for i in order.items] == [10, 20, 30]
    assert order.items[2].quantity.value == Decimal("3.000") and order.items[2].quantity.unit == "PCE"
    assert order.items[0].product_external_id == "1" and order.items[0].description == "Widget 1"
    assert order.items[1].schedule_lines[0].confirmed_quantity.value == Decimal("2.000")
    assert [(p.function, p.partner_hub_id, p.external_id) for p in order.partners] == [
        ("sold_to", "bp_SOLDTO", "12345"), ("ship_to", "bp_SHIPTO", "12399")]


def test_key_map_lookup_and_missing_required_lookup(mappings):
    assert mappings.map_inbound(order_raw(), lookup).document.sold_to_hub_id == "bp_SOLDTO"
    with pytest.raises(DocumentError) as caught:
        mappings.map_inbound(order_raw(), lambda *args: None)
    assert caught.value.document == "ORDERS 0000000000123456"
    assert caught.value.field == "sold_to_hub_id <- E1EDKA1[PARVW=AG].PARTN"
    assert "not in the key map" in caught.value.reason


def test_money_per_currency_and_trailing_minus(mappings):
    raw = order_raw(items=1)
    raw.body[-3].fields["SUMME"] = "12.5"  # net 12.5 EUR -> 12.50
    order = mappings.map_inbound(raw, lookup).document
    assert str(order.net_value.amount) == "12.50" and order.net_value.currency == "EUR"
    raw.body[-3].fields["SUMME"] = "12.505"
    with pytest.raises(DocumentError, match="more decimal places than EUR"):
        mappings.map_inbound(raw, lookup)


def test_japanese_yen_has_no_decimals_both_ways(mappings):
    raw = RawDocument("erp_sap", "ORDERS", "9", "idoc", order_segments(1, currency="JPY"))
    for s in raw.body:
        if s.name in ("E1EDP01",):
            s.fields.update(VPREI="1250", NETWR="1250.00")
        if s.name == "E1EDS01":
            s.fields["SUMME"] = {"002": "1250", "005": "237.00", "003": "1487"}[s.fields["SUMID"]]
    order = mappings.map_inbound(raw, lookup).document
    assert str(order.items[0].net_value.amount) == "1250"
    rendered = mappings.render("erp_sap", order, reverse_lookup).raw
    totals = {s.fields["SUMID"]: s.fields["SUMME"] for s in rendered.body if s.name == "E1EDS01"}
    assert totals == {"002": "1250", "005": "237", "003": "1487"}


def test_invalid_value_names_field_and_source(mappings):
    raw = order_raw(items=2)
    raw.body[12].fields["MENEE"] = "XYZ"
    with pytest.raises(DocumentError) as caught:
        mappings.map_inbound(raw, lookup)
    assert caught.value.field.startswith("items.1.quantity.unit <- E1EDP01#")
    assert "'XYZ' is not in value list units" in caught.value.reason


def test_required_source_missing(mappings):
    raw = order_raw()
    raw.body = [s for s in raw.body if s.name != "E1EDK03"]
    with pytest.raises(DocumentError, match="order_date <- E1EDK03\\[IDDAT=012\\].DATUM"):
        mappings.map_inbound(raw, lookup)


def test_selection_by_message_type_with_any_basic_type(mappings):
    confirmation = order_raw(message_type="ORDRSP")
    confirmation.control["IDOCTYP"] = "ORDERS02"
    confirmation.body[0].children.append(seg("Z1EDK01", GBSTK="C"))
    result = mappings.map_inbound(confirmation, lookup)
    assert result.document.status == "completed"
    assert result.mapping_file.endswith("ORDERS.yaml") and result.mapping_version.startswith("1+")
    basic_type_only = order_raw(message_type="ORDERS05")
    basic_type_only.control["MESTYP"] = "ORDERS"
    assert mappings.map_inbound(basic_type_only, lookup).document.currency == "EUR"
    with pytest.raises(NotFoundError, match="no mapping table for erp_sap message type 'SHPMNT'"):
        mappings.select("erp_sap", "SHPMNT")


def test_a_constant_with_a_condition_applies_only_when_it_holds(mappings):
    """ORDERS.yaml sets ``in_process`` only for an ORDRSP: a new order stays ``open``."""
    assert mappings.map_inbound(order_raw(message_type="ORDRSP"), lookup).document.status == "in_process"
    assert mappings.map_inbound(order_raw(message_type="ORDERS"), lookup).document.status == "open"


def test_unmapped_fields_and_extension_segments_are_reported_not_fatal(mappings):
    raw = order_raw(items=1)
    raw.body.insert(1, seg("E1EDK14", QUALF="016", ORGID="X"))
    raw.body.append(seg("Z1CUSTOM", ZFIELD="1"))
    raw.body[0].fields["HWAER"] = "EUR"
    result = mappings.map_inbound(raw, lookup)
    assert result.unmapped == ["E1EDK01.HWAER", "E1EDK14[QUALF=016].ORGID", "Z1CUSTOM.ZFIELD"]


def test_render_outbound_orders05(mappings):
    order = mappings.map_inbound(order_raw(items=2), lookup).document
    rendered = mappings.render("erp_sap", order, reverse_lookup)
    raw = rendered.raw
    assert (raw.message_type, raw.control["IDOCTYP"], raw.format) == ("ORDERS", "ORDERS05", "idoc")
    names = [s.name for s in raw.body]
    assert names[0] == "E1EDK01" and names[-3:] == ["E1EDS01"] * 3
    partners = [s.fields for s in raw.body if s.name == "E1EDKA1"]
    assert partners == [{"PARVW": "AG", "PARTN": "0000012345"}, {"PARVW": "WE", "PARTN": "0000012399"}]
    item = next(s for s in raw.body if s.name == "E1EDP01")
    assert item.fields == {"POSEX": "000010", "MENGE": "1.000", "MENEE": "ST", "VPREI": "12.5000",
                           "NETWR": "12.50"}
    assert [c.name for c in item.children] == ["E1EDP19", "E1EDP20"]
    assert [s.number for s in raw.body[:3]] == [1, 3, 4]  # Z1EDK01 under E1EDK01 is 2


def test_round_trip_canonical_external_canonical_loses_nothing(mappings):
    order = mappings.map_inbound(order_raw(items=4), lookup).document
    again = mappings.map_inbound(mappings.render("erp_sap", order, reverse_lookup).raw, lookup).document
    # customer_reference is read inbound only: outbound, qualifier 001 carries the hub's order id.
    assert again == order.model_copy(update={"customer_reference": None})


def test_outbound_order_carries_the_hub_id_as_buyer_order_number(mappings):
    order = mappings.map_inbound(order_raw(items=1), lookup).document.model_copy(update={"hub_id": "so_X1"})
    raw = mappings.render("erp_sap", order, reverse_lookup).raw
    assert [s.fields.get("BELNR") for s in raw.body if s.name == "E1EDK02" and s.fields.get("QUALF") == "001"] \
        == ["so_X1"]


def test_negative_amounts_render_with_trailing_minus(mappings):
    order = mappings.map_inbound(order_raw(items=1), lookup).document
    credit = order.model_copy(update={"items": [order.items[0].model_copy(
        update={"net_value": order.items[0].net_value.model_copy(update={"amount": Decimal("-12.50")})})]})
    raw = mappings.render("erp_sap", credit, reverse_lookup).raw
    assert next(s for s in raw.body if s.name == "E1EDP01").fields["NETWR"] == "12.50-"


def test_render_needs_reverse_lookup_results(mappings):
    order = mappings.map_inbound(order_raw(items=1), lookup).document
    stripped = order.model_copy(update={"partners": [p.model_copy(update={"external_id": None})
                                                     for p in order.partners]})
    raw = mappings.render("erp_sap", stripped, reverse_lookup).raw
    assert [s.fields["PARTN"] for s in raw.body if s.name == "E1EDKA1"] == ["0000012345", "0000012399"]
    assert isinstance(raw.body[0], Segment)

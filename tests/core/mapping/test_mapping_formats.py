"""JSON and XML tables: paths with predicates, groups with match, both directions."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from hub.core.errors import DocumentError, MappingError
from hub.core.mapping import load_mapping_set
from hub.core.raw import RawDocument

SHOP_PARTNER = """\
system: shop
document_type: partner
format: json
inbound: [customers/create]
outbound: {message_type: customers/update}
value_lists:
  kinds: {B2B: organisation, B2C: person}
rules:
  - {target: kind, source: type, values: kinds, required: true}
  - {target: organisation_name, source: company}
  - {target: last_name, source: "contact.last"}
  - {target: first_name, source: "contact.first", transform: trim}
  - {target: emails, source: email, transform: lower}
  - {target: marketing_attributes.segment, source: segment}
  - target: external_ids
    match: {system: shop}
    rules: [{target: id, source: id}]
  - target: addresses
    each: "addresses[type=billing]"
    match: {kind: billing}
    rules:
      - {target: street, source: street}
      - {target: city, source: city}
      - {target: country, source: country, values: countries, unknown: keep}
  - target: phones
    match: {kind: mobile}
    rules: [{target: number, source: mobile}]
"""


@pytest.fixture()
def shop(tmp_path: Path):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "partner.yaml").write_text(SHOP_PARTNER, encoding="utf-8")
    (tmp_path / "values").mkdir()
    (tmp_path / "values" / "countries.csv").write_text("external,canonical\nUK,GB\n", encoding="utf-8")
    return load_mapping_set([tmp_path])


def customer() -> dict:
    return {"id": 77, "type": "B2B", "company": "ACME", "email": "Info@ACME.example", "segment": "gold",
            "contact": {"first": " Ada ", "last": "Lovelace"}, "mobile": "+49 170 1",
            "addresses": [{"type": "shipping", "city": "Köln"},
                          {"type": "billing", "street": "Main St 1", "city": "London", "country": "UK"},
                          {"type": "billing", "city": "Paris", "country": "FR"}],
            "notes": "call first"}


def test_json_inbound(shop):
    result = shop.map_inbound(RawDocument("shop", "customers/create", "77", "json", customer()))
    partner = result.document
    assert partner.kind == "organisation" and partner.first_name == "Ada"
    assert partner.emails == ["info@acme.example"]
    assert [(a.kind, a.city, a.country) for a in partner.addresses] == [("billing", "London", "GB"),
                                                                        ("billing", "Paris", "FR")]
    assert [(p.kind, p.number) for p in partner.phones] == [("mobile", "+49 170 1")]
    assert partner.external_id("shop") == "77" and partner.marketing_attributes == {"segment": "gold"}
    assert sorted(result.unmapped) == ["addresses[type=shipping].city", "notes"]


def test_json_round_trip_and_rendering(shop):
    partner = shop.map_inbound(RawDocument("shop", "customers/create", "77", "json", customer())).document
    raw = shop.render("shop", partner).raw
    assert raw.body["type"] == "B2B" and raw.body["contact"] == {"last": "Lovelace", "first": "Ada"}
    assert raw.body["addresses"] == [
        {"type": "billing", "street": "Main St 1", "city": "London", "country": "UK"},
        {"type": "billing", "city": "Paris", "country": "FR"}]
    again = shop.map_inbound(RawDocument("shop", "customers/create", "77", "json", raw.body)).document
    assert again == partner


def test_json_unknown_value_is_an_error_with_location(shop):
    body = customer() | {"type": "B2X"}
    with pytest.raises(DocumentError) as caught:
        shop.map_inbound(RawDocument("shop", "customers/create", "77", "json", body))
    assert caught.value.field == "kind <- type" and "'B2X' is not in value list kinds" in caught.value.reason


def test_model_validation_error_names_canonical_and_source(shop):
    body = customer() | {"type": "B2C", "contact": {}}
    with pytest.raises(DocumentError) as caught:
        shop.map_inbound(RawDocument("shop", "customers/create", "77", "json", body))
    assert caught.value.document == "customers/create 77"


POSLOG = """\
system: pos
document_type: product
format: xml
inbound: [Item]
outbound: {message_type: Item, root: Item}
rules:
  - {target: kind, const: material}
  - {target: base_unit, source: "Unit[@type=base]/@code", required: true}
  - {target: product_group, source: "Group"}
  - target: descriptions
    each: "Description"
    rules:
      - {target: language, source: "@lang", transform: lower}
      - {target: text, source: "."}
  - target: gross_weight
    money: {amount: Weight, currency: Weight/@unit}
    precision: keep
"""


def test_xml_paths_attributes_predicates_and_namespaces(tmp_path):
    (tmp_path / "product.yaml").write_text(POSLOG, encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping_set([tmp_path])
    assert "a money rule's target must be a Money field" in str(caught.value)
    (tmp_path / "product.yaml").write_text(POSLOG.split("  - target: gross_weight")[0], encoding="utf-8")
    table = load_mapping_set([tmp_path]).select("pos", "Item")
    root = etree.fromstring(
        b'<p:Item xmlns:p="urn:pos"><p:Unit type="alt" code="BX"/><p:Unit type="base" code="PCE"/>'
        b'<p:Group>TOYS</p:Group><p:Description lang="EN">Ball</p:Description>'
        b'<p:Description lang="DE">Ball (de)</p:Description><p:Colour>red</p:Colour></p:Item>')
    result = table.map_inbound(RawDocument("pos", "Item", "1", "xml", root))
    product = result.document
    assert product.base_unit == "PCE" and product.product_group == "TOYS"
    assert [(d.language, d.text) for d in product.descriptions] == [("en", "Ball"), ("de", "Ball (de)")]
    assert sorted(result.unmapped) == ["Colour", "Unit[@type=alt]/@code"]
    rendered = table.render(product).raw.body
    assert etree.tostring(rendered) == (
        b'<Item><Unit type="base" code="PCE"/><Group>TOYS</Group><Description lang="en">Ball</Description>'
        b'<Description lang="de">Ball (de)</Description></Item>')


def test_money_amounts_in_json_as_decimal(tmp_path):
    (tmp_path / "order.yaml").write_text(textwrap.dedent("""\
        system: shop
        document_type: sales_order
        format: json
        inbound: [orders/create]
        rules:
          - {target: currency, source: currency}
          - {target: sold_to_hub_id, source: customer.id, lookup: partner, required: true}
          - {target: order_date, source: created_at, transform: iso_date}
          - target: net_value
            money: {amount: total_price, currency: currency}
            transform: decimal_comma
        """), encoding="utf-8")
    mapping_set = load_mapping_set([tmp_path])
    body = {"currency": "KWD", "customer": {"id": 5}, "created_at": "2024-06-01T10:00:00+02:00",
            "total_price": "1.234,5"}
    order = mapping_set.map_inbound(RawDocument("shop", "orders/create", "1", "json", body),
                                    lambda s, t, e: f"bp_{e}").document
    assert order.sold_to_hub_id == "bp_5" and str(order.net_value.amount) == "1234.500"
    assert order.net_value.currency == "KWD" and order.net_value.amount == Decimal("1234.5")


def test_outbound_constant_with_a_condition_is_written_only_when_it_holds(tmp_path):
    table_text = SHOP_PARTNER.replace(
        "rules:\n", "rules:\n  - {source: vip, const: 'yes', when: {marketing_attributes.segment: gold}}\n", 1)
    (tmp_path / "partner.yaml").write_text(table_text, encoding="utf-8")
    (tmp_path / "values").mkdir()
    (tmp_path / "values" / "countries.csv").write_text("external,canonical\nUK,GB\n", encoding="utf-8")
    shop = load_mapping_set([tmp_path])
    gold = shop.map_inbound(RawDocument("shop", "customers/create", "77", "json", customer())).document
    plain = gold.model_copy(update={"marketing_attributes": {"segment": "silver"}})
    assert shop.render("shop", gold).raw.body["vip"] == "yes"
    assert "vip" not in shop.render("shop", plain).raw.body


@pytest.mark.parametrize(("amount", "currency", "reason"), [
    ("1e40", "EUR", "amount 1E+40 is too large"),
    ("NaN", "EUR", "'NaN' is not a finite number"),
    ("12.50", ["EUR"], "currency ['EUR'] is not a currency code"),
    ("12.50", {"code": "EUR"}, "is not a currency code"),
])
def test_an_amount_or_currency_no_money_can_hold_is_a_document_error(tmp_path, amount, currency, reason):
    """What a shop may send in a money field is refused with the field named, never a crash."""
    (tmp_path / "order.yaml").write_text(textwrap.dedent("""\
        system: shop
        document_type: sales_order
        format: json
        inbound: [orders/create]
        rules:
          - {target: currency, const: EUR}
          - {target: sold_to_hub_id, const: bp_5}
          - {target: order_date, const: "2024-06-01"}
          - target: net_value
            money: {amount: total_price, currency: currency}
        """), encoding="utf-8")
    raw = RawDocument("shop", "orders/create", "1", "json", {"currency": currency, "total_price": amount})
    with pytest.raises(DocumentError) as caught:
        load_mapping_set([tmp_path]).map_inbound(raw)
    assert caught.value.field == "net_value <- total_price, currency" and reason in caught.value.reason

"""The shipped mapping tables: every recorded shop payload to canonical partners, orders
and returns, with exact money, guests, cancellations, fulfilments and refunds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from shop_samples import body, shopify_envelope, shopify_headers, woocommerce_envelope, woocommerce_headers

from hub.api import DocumentError, Partner, PartnerFunctionRole, RawDocument, SalesOrder
from hub.core.mapping import MappingSet, load_mapping_set
from plugins.ecommerce.codecs import parse_envelope, poll_envelope, webhook_envelope
from plugins.ecommerce.plugin import MAPPINGS

HUB = str(Path(sys.executable).parent / "hub")
KEY_MAP = {
    ("ecommerce", "partner", "eu:7012345678901"): "bp_ANNA",
    ("ecommerce", "partner", "fr:12"): "bp_CLAIRE",
    ("ecommerce", "guest", "lukas.gruber@example.at"): "bp_LUKAS",
    ("ecommerce", "guest", "marc.lefevre@example.fr"): "bp_MARC",
    ("ecommerce", "order_sold_to", "eu:5698741234567"): "bp_ANNA",
    ("erp_sap", "product", "400001"): "pr_VALVE",
    ("erp_sap", "product", "400002"): "pr_WRENCH",
}
WEBHOOKS = [
    ("shopify", "orders/create", "shopify/orders_create.json"),
    ("shopify", "orders/paid", "shopify/orders_create.json"),
    ("shopify", "orders/fulfilled", "shopify/orders_fulfilled.json"),
    ("shopify", "orders/updated", "shopify/orders_create_guest.json"),
    ("shopify", "orders/cancelled", "shopify/orders_cancelled.json"),
    ("shopify", "refunds/create", "shopify/refunds_create.json"),
    ("shopify", "customers/create", "shopify/customers_create.json"),
    ("shopify", "customers/update", "shopify/customers_update.json"),
    ("woocommerce", "order.created", "woocommerce/order_created.json"),
    ("woocommerce", "order.created", "woocommerce/order_created_guest.json"),
    ("woocommerce", "order.updated", "woocommerce/order_updated_completed.json"),
    ("woocommerce", "order.updated", "woocommerce/order_updated_cancelled.json"),
    ("woocommerce", "customer.created", "woocommerce/customer_created.json"),
    ("woocommerce", "customer.updated", "woocommerce/customer_updated_company.json"),
]
POLLS = [("shopify", "orders", "shopify/orders_page.json"), ("shopify", "customers", "shopify/customers_page.json"),
         ("shopify", "refunds", "shopify/refunds_page.json"), ("woocommerce", "orders", "woocommerce/orders_page.json"),
         ("woocommerce", "customers", "woocommerce/customers_page.json")]


@pytest.fixture(scope="module")
def tables() -> MappingSet:
    return load_mapping_set([MAPPINGS])


def mapped_documents(raws: list[RawDocument]) -> list[RawDocument]:
    """The documents mapping tables read: guest documents go to the plugin's handler."""
    return [raw for raw in raws if not raw.message_type.endswith(":guest")]


def lookup(system: str, object_type: str, external_id: str) -> str | None:
    return KEY_MAP.get((system, object_type, external_id))


def documents(platform: str, topic: str, name: str) -> list[RawDocument]:
    envelope = shopify_envelope(topic, name) if platform == "shopify" else woocommerce_envelope(topic, name)
    return mapped_documents(parse_envelope(envelope))


def mapped(tables: MappingSet, raw: RawDocument) -> SalesOrder | Partner:
    document = tables.map_inbound(raw, lookup).document
    assert isinstance(document, SalesOrder | Partner)
    return document


def order(tables: MappingSet, platform: str, topic: str, name: str, index: int = 0) -> SalesOrder:
    document = mapped(tables, documents(platform, topic, name)[index])
    assert isinstance(document, SalesOrder)
    return document


def money(value: object) -> str:
    amount = value.amount
    assert isinstance(amount, Decimal)
    return f"{amount} {value.currency}"


@pytest.mark.parametrize(("platform", "topic", "name"), WEBHOOKS, ids=[f"{t}:{n}" for _, t, n in WEBHOOKS])
def test_every_recorded_webhook_maps(tables: MappingSet, platform: str, topic: str, name: str) -> None:
    for raw in documents(platform, topic, name):
        result = tables.map_inbound(raw, lookup)
        assert result.document.external_ids[0].system == "ecommerce"
        assert result.mapping_file.startswith(str(MAPPINGS))


@pytest.mark.parametrize(("platform", "resource", "name"), POLLS, ids=[n for _, _, n in POLLS])
def test_every_recorded_poll_page_maps(tables: MappingSet, platform: str, resource: str, name: str) -> None:
    shop = "eu" if platform == "shopify" else "fr"
    raws = mapped_documents(parse_envelope(poll_envelope(platform, shop, resource, body(name))))  # type: ignore[arg-type]
    assert raws
    for raw in raws:
        tables.map_inbound(raw, lookup)


def test_a_shopify_order_keeps_every_amount_exact(tables: MappingSet) -> None:
    so = order(tables, "shopify", "orders/create", "shopify/orders_create.json")
    assert so.external_id("ecommerce") == "eu:5698741234567" and so.customer_reference == "#1001"
    assert (so.currency, str(so.order_date), so.status.value, so.payment_status) == (
        "EUR", "2024-06-03", "open", "paid")
    assert so.delivery_status == "not_delivered" and so.sold_to_hub_id == "bp_ANNA"
    assert so.gross_value is None and money(so.tax_amount) == "18.17 EUR"  # the ERP's confirmation sets the net
    first, second = so.items
    assert (first.item_number, first.product_external_id, str(first.quantity.value)) == (1, "400001", "2")
    price = first.conditions[0]
    assert (price.type, price.calculation.value, str(price.rate)) == ("gross_price", "per_quantity", "24.95")
    assert [(t.code, str(t.rate), money(t.amount)) for t in second.taxes] == [("DE MwSt", "19", "9.42 EUR")]
    freight = so.conditions[0]  # the shop's price includes the tax: the value is without it
    assert (freight.type, freight.description, str(freight.rate), money(freight.value)) == (
        "freight", "DHL Paket", "4.90", "4.12 EUR")
    sold_to = so.partner(PartnerFunctionRole.sold_to)
    assert sold_to is not None and (sold_to.partner_hub_id, sold_to.external_id) == ("bp_ANNA", "eu:7012345678901")
    ship_to = so.partner(PartnerFunctionRole.ship_to)
    assert ship_to is not None and ship_to.address is not None
    assert (ship_to.name, ship_to.address.street, ship_to.address.city) == (
        "Schmidt Haustechnik GmbH, Anna Schmidt", "Hafenweg 3", "Hamburg")


def charged(so: SalesOrder) -> Decimal:
    """What the canonical order says the customer pays: the items' net values, the header
    conditions' values (freight) and the tax."""
    assert so.tax_amount is not None and all(item.net_value for item in so.items)
    return sum((item.net_value.amount for item in so.items if item.net_value), Decimal(0)) + sum(
        (c.value.amount for c in so.conditions if c.value and not c.statistical), Decimal(0)) + so.tax_amount.amount


def test_a_shopify_discount_is_a_negative_condition_and_the_net_value_is_after_it(tables: MappingSet) -> None:
    so = order(tables, "shopify", "orders/create", "shopify/orders_create.json")
    first, second = so.items
    assert [c.type for c in first.conditions] == ["gross_price"]
    price, discount = second.conditions
    assert (price.type, str(price.rate), money(price.value)) == ("gross_price", "64.00", "64.00 EUR")
    assert (discount.type, discount.calculation.value, discount.description, str(discount.rate),
            money(discount.value)) == ("discount", "fixed_amount", "SUMMER5", "-5.00", "-5.00 EUR")
    # 64.00 - 5.00 discount - 9.42 tax included in the price; 2 x 24.95 - 7.97 tax
    assert (money(second.net_value), money(first.net_value)) == ("49.58 EUR", "41.93 EUR")


def _shopify_without_tax_in_prices() -> bytes:
    """The recorded order as a shop whose prices exclude tax sends it: the same lines,
    discounts and tax, the tax on top, and 1.00 off the shipping."""
    order = json.loads(body("shopify/orders_create.json"))
    order["taxes_included"] = False
    order["shipping_lines"][0]["discount_allocations"] = [{"amount": "1.00", "discount_application_index": 1}]
    order["discount_applications"].append({"target_type": "shipping_line", "type": "automatic", "value": "1.0",
                                           "value_type": "fixed_amount", "allocation_method": "each",
                                           "target_selection": "all", "title": "Shipping 1 off"})
    order["total_price"] = "130.97"  # 2 x 24.95 + (64.00 - 5.00) + (4.90 - 1.00) + 18.17 tax
    return json.dumps(order).encode()


def _woocommerce_with_fees() -> bytes:
    """The recorded order with a handling fee and a negative fee (a discount) added."""
    order = json.loads(body("woocommerce/order_created.json"))
    order["fee_lines"] = [{"id": 320, "name": "Handling", "tax_class": "", "tax_status": "taxable", "amount": "2.50",
                           "total": "2.50", "total_tax": "0.50", "taxes": [], "meta_data": []},
                          {"id": 321, "name": "Loyalty discount", "tax_class": "", "tax_status": "taxable",
                           "amount": "-3.00", "total": "-3.00", "total_tax": "-0.60", "taxes": [], "meta_data": []}]
    order["total_tax"] = "16.18"  # 16.28 + 0.50 - 0.60
    order["total"] = "97.08"  # 97.68 + 2.50 + 0.50 - 3.00 - 0.60
    return json.dumps(order).encode()


@pytest.mark.parametrize(("platform", "topic", "name"), [
    ("shopify", "orders/create", "shopify/orders_create.json"),
    ("shopify", "orders/create", None),
    ("woocommerce", "order.created", None),
    ("woocommerce", "order.created", "woocommerce/order_created.json"),
    ("woocommerce", "order.updated", "woocommerce/order_updated_completed.json"),
])
def test_the_canonical_order_comes_to_what_the_shop_charged(
        tables: MappingSet, platform: str, topic: str, name: str | None) -> None:
    if name is None and platform == "shopify":
        payload = _shopify_without_tax_in_prices()
        raws = parse_envelope(webhook_envelope("shopify", "eu", shopify_headers(topic), payload))
    elif name is None:
        payload = _woocommerce_with_fees()
        raws = parse_envelope(webhook_envelope("woocommerce", "fr", woocommerce_headers(topic), payload))
    else:
        payload = body(name)
        raws = documents(platform, topic, name)
    total = json.loads(payload, parse_float=Decimal)["total_price" if platform == "shopify" else "total"]
    so = mapped(tables, mapped_documents(raws)[0])
    assert isinstance(so, SalesOrder)
    assert charged(so) == Decimal(str(total)) and all(
        c.value is not None and c.value.amount.as_tuple().exponent == -2 for c in so.conditions)


def test_a_customers_order_waits_for_its_customer(tables: MappingSet) -> None:
    raw = documents("shopify", "orders/create", "shopify/orders_create.json")[0]
    assert ("ecommerce", "partner", "eu:7012345678901") in tables.lookup_keys(raw)
    with pytest.raises(DocumentError) as exc:
        tables.map_inbound(raw, lambda *key: None)
    assert exc.value.field == "sold_to_hub_id <- shop, order.customer.id"
    assert "partner 'eu:7012345678901' of ecommerce is not in the key map" in exc.value.reason


@pytest.mark.parametrize(("platform", "topic", "name", "key", "email"), [
    ("shopify", "orders/create", "shopify/orders_create_guest.json", "lukas.gruber@example.at",
     "Lukas.Gruber@example.at"),
    ("woocommerce", "order.created", "woocommerce/order_created_guest.json", "marc.lefevre@example.fr",
     "Marc.Lefevre@example.fr"),
])
def test_a_guest_checkout_carries_its_email_and_address_and_finds_its_partner_by_email(
        tables: MappingSet, platform: str, topic: str, name: str, key: str, email: str) -> None:
    raw = documents(platform, topic, name)[0]
    assert ("ecommerce", "guest", key) in tables.lookup_keys(raw)
    so = order(tables, platform, topic, name)
    assert so.sold_to_hub_id == KEY_MAP[("ecommerce", "guest", key)]
    guest = so.partner(PartnerFunctionRole.sold_to)
    assert guest is not None and guest.email == email and guest.partner_hub_id is None
    bill_to = so.partner(PartnerFunctionRole.bill_to)
    assert bill_to is not None and bill_to.address is not None and bill_to.address.kind == "billing"
    assert bill_to.name and bill_to.address.city in ("Wien", "Paris")
    with pytest.raises(DocumentError) as exc:  # before the hub has found or created the guest's partner
        tables.map_inbound(raw, lambda *key: KEY_MAP.get(key) if key[1] == "product" else None)
    assert exc.value.field.startswith("sold_to_hub_id")


def test_a_cancelled_shopify_order_is_cancelled_with_when_and_why(tables: MappingSet) -> None:
    so = order(tables, "shopify", "orders/cancelled", "shopify/orders_cancelled.json")
    assert (so.status.value, so.payment_status) == ("cancelled", "voided")
    [change] = so.status_history
    assert (change.status, change.system, change.reason) == ("cancelled", "ecommerce", "customer")
    assert change.changed_at.isoformat() == "2024-06-06T11:00:03+02:00"


def test_a_fulfilled_shopify_order_shows_its_shipment_with_tracking(tables: MappingSet) -> None:
    so = order(tables, "shopify", "orders/fulfilled", "shopify/orders_fulfilled.json")
    assert so.delivery_status == "delivered"
    [shipment] = so.shipments
    assert (shipment.shipment_id, shipment.carrier, shipment.tracking_number) == (
        "5123456789012", "DHL", "00340434161094042557")
    # numbered by their order line's position: the line ids have 14 digits, the ERP keeps six
    assert [(i.item_number, str(i.quantity.value)) for i in shipment.items] == [(1, "2"), (2, "1")]


def test_a_shopify_refund_is_a_return_of_its_order(tables: MappingSet) -> None:
    ret = order(tables, "shopify", "refunds/create", "shopify/refunds_create.json")
    assert ret.order_type == "return" and ret.external_id("ecommerce") == "eu:5698741234567:987654321012"
    [reference] = ret.references
    assert (reference.doc_type, reference.external_system, reference.external_id) == (
        "sales_order", "ecommerce", "eu:5698741234567")
    assert ret.sold_to_hub_id == "bp_ANNA" and str(ret.order_date) == "2024-06-10"
    [item] = ret.items
    assert (item.item_number, item.product_external_id, str(item.quantity.value)) == (1, "400002", "1")
    assert item.product_hub_id == "pr_WRENCH"
    assert money(item.net_value) == "59.00 EUR"
    assert [(t.code, str(t.rate), money(t.amount)) for t in item.taxes] == [("DE MwSt", "19", "9.42 EUR")]
    assert [money(c.value) for c in ret.conditions] == ["4.90 EUR"] and money(ret.gross_value) == "63.90 EUR"


def test_a_woocommerce_order_with_tracking_and_a_refund(tables: MappingSet) -> None:
    name = "woocommerce/order_updated_completed.json"
    so = order(tables, "woocommerce", "order.updated", name)
    assert (so.status.value, so.payment_status, so.delivery_status) == ("completed", "paid", "delivered")
    assert so.sold_to_hub_id == "bp_CLAIRE" and so.gross_value is None and money(so.tax_amount) == "16.28 EUR"
    assert [(i.item_number, money(i.net_value), money(i.net_price)) for i in so.items] == [
        (315, "44.90 EUR", "22.45 EUR"), (316, "30.00 EUR", "30 EUR")]
    [shipment] = so.shipments
    assert (shipment.carrier, shipment.tracking_number) == ("Colissimo", "6A12345678901")
    assert shipment.shipped_at is not None and shipment.shipped_at.isoformat() == "2024-06-05T09:00:00+00:00"
    ret = order(tables, "woocommerce", "order.updated", name, index=1)
    assert ret.order_type == "return" and ret.external_id("ecommerce") == "fr:727:745"
    assert ret.references[0].external_id == "fr:727" and ret.sold_to_hub_id == "bp_CLAIRE"
    assert money(ret.gross_value) == "24.95 EUR" and ret.items == []


def test_a_cancelled_woocommerce_order_is_cancelled(tables: MappingSet) -> None:
    so = order(tables, "woocommerce", "order.updated", "woocommerce/order_updated_cancelled.json")
    assert (so.status.value, so.payment_status, so.delivery_status) == ("cancelled", "voided", "not_delivered")


@pytest.mark.parametrize(("platform", "topic", "name", "kind", "organisation", "addresses"), [
    ("shopify", "customers/create", "shopify/customers_create.json", "person", None, [("main", "Berlin")]),
    ("shopify", "customers/update", "shopify/customers_update.json", "organisation", "Schmidt Haustechnik GmbH",
     [("delivery", "Berlin"), ("main", "Hamburg")]),
    ("woocommerce", "customer.created", "woocommerce/customer_created.json", "person", None,
     [("main", "Lyon"), ("delivery", "Lyon")]),
    ("woocommerce", "customer.updated", "woocommerce/customer_updated_company.json", "organisation",
     "Atelier Dubois SARL", [("main", "Lyon"), ("delivery", "Lyon")]),
])
def test_a_customer_is_a_person_or_the_organisation_it_buys_for(
        tables: MappingSet, platform: str, topic: str, name: str, kind: str, organisation: str | None,
        addresses: list[tuple[str, str]]) -> None:
    partner = mapped(tables, documents(platform, topic, name)[0])
    assert isinstance(partner, Partner)
    assert (partner.kind.value, partner.organisation_name) == (kind, organisation)
    assert [(a.kind, a.city) for a in partner.addresses] == addresses
    assert [r.value for r in partner.roles] == ["sold_to", "ship_to", "bill_to"]
    assert partner.emails and partner.phones and partner.marketing_attributes


@pytest.mark.parametrize(("platform", "topic", "name", "document", "field", "reason"), [
    ("shopify", "orders/create", "malformed/shopify_order_quantity_text.json",
     "shopify:orders/create eu:5698741234567", "items.1.quantity.value", "decimal"),
    ("shopify", "orders/create", "malformed/shopify_order_currency_number.json",
     "shopify:orders/create eu:5698741234567", "items.0.net_value", "currency 978 is not a currency code"),
    ("woocommerce", "customer.created", "malformed/woocommerce_customer_email_number.json",
     "woocommerce:customer.created fr:12", "emails", "not an e-mail address"),
])
def test_a_payload_the_tables_cannot_map_names_object_and_field(
        tables: MappingSet, platform: str, topic: str, name: str, document: str, field: str, reason: str) -> None:
    raw = documents(platform, topic, name)[0]
    with pytest.raises(DocumentError) as exc:
        tables.map_inbound(raw, lookup)
    assert exc.value.document == document and exc.value.field.split(" <- ")[0] == field
    assert reason in exc.value.reason and raw.source in ("eu", "fr")


def test_hub_mapping_check_and_dry_run_read_the_shipped_tables_and_an_envelope(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("HUB_")}
    (tmp_path / "hub.toml").write_text(f'database_url = "sqlite:///{tmp_path}/var/hub.db"\n', encoding="utf-8")
    check = subprocess.run([HUB, "mapping", "check", "--json"], cwd=tmp_path, capture_output=True, text=True,
                           env=clean, timeout=60)
    assert check.returncode == 0, check.stderr
    envelope = tmp_path / "customers.json"
    envelope.write_bytes(shopify_envelope("customers/create", "shopify/customers_create.json"))
    done = subprocess.run([HUB, "dry-run", "ecommerce", str(envelope), "--json"], cwd=tmp_path, capture_output=True,
                          text=True, env=clean, timeout=60)
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)
    assert entry["message_type"] == "shopify:customers/create" and entry["error"] is None
    assert entry["document"]["external_ids"] == [{"system": "ecommerce", "id": "eu:7012345678901"}]


@pytest.mark.parametrize(("platform", "name"), [("woocommerce", "woocommerce/order_created_guest.json"),
                                                 ("shopify", "shopify/orders_create_guest.json")])
def test_an_order_whose_addresses_are_all_empty_strings_maps_without_them(
        tables: MappingSet, platform: str, name: str) -> None:
    shop_order = json.loads(body(name))
    for key in ("billing", "shipping", "billing_address", "shipping_address"):
        if isinstance(shop_order.get(key), dict):  # what a shop sends for what it did not collect
            shop_order[key] = {k: "" if isinstance(v, str) and k != "email" else v for k, v in shop_order[key].items()}
    headers = woocommerce_headers("order.created") if platform == "woocommerce" else shopify_headers("orders/create")
    shop = "fr" if platform == "woocommerce" else "eu"
    raws = parse_envelope(webhook_envelope(platform, shop, headers, json.dumps(shop_order).encode()))
    [so] = [mapped(tables, raw) for raw in mapped_documents(raws)]
    assert isinstance(so, SalesOrder) and all(p.address is None for p in so.partners)

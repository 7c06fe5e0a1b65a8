"""The envelope codec: what the hub archives of a shop's webhook or poll page, read back
into one raw document per shop object, with exact numbers, the object's modification
time and a dedupe key naming shop and delivery."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from shop_samples import body, shopify_envelope, shopify_headers, woocommerce_envelope

from hub.api import DocumentError, RawDocument
from plugins.ecommerce.codecs import parse_envelope, poll_envelope, webhook_envelope
from plugins.ecommerce.codecs.spec import accepts, codec_spec


def only(documents: list[RawDocument]) -> RawDocument:
    assert len(documents) == 1, [d.message_type for d in documents]
    return documents[0]


def test_a_webhook_envelope_keeps_the_headers_that_matter_and_the_body_as_received() -> None:
    raw = body("shopify/orders_create.json")
    envelope = webhook_envelope("shopify", "eu", shopify_headers("orders/create"), raw)
    assert envelope.startswith(b'{"envelope":"crm-hub/shop-webhook/1"')
    kept = json.loads(envelope)
    assert kept["platform"] == "shopify" and kept["shop"] == "eu" and kept["topic"] == "orders/create"
    assert kept["delivery"] == {
        "event_id": "98880550-7158-44d4-b7cd-2c97c8a091b5", "webhook_id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "delivery_id": None, "triggered_at": "2024-06-03T12:22:07.318Z", "resource_id": "5698741234567",
        "modified": "2024-06-03T14:22:07+02:00"}
    assert kept["body"].encode("utf-8") == raw


def test_header_names_are_read_in_any_case_and_without_their_x_prefix() -> None:
    headers = {"shopify-topic": "orders/paid", "SHOPIFY-EVENT-ID": "ev-1", "x-shopify-webhook-id": " wh-1 "}
    kept = json.loads(webhook_envelope("shopify", "eu", headers, body("shopify/orders_create.json")))
    assert kept["topic"] == "orders/paid"
    assert (kept["delivery"]["event_id"], kept["delivery"]["webhook_id"]) == ("ev-1", "wh-1")
    pairs = [("x-wc-webhook-resource", "order"), ("X-WC-WEBHOOK-EVENT", "updated"), ("wc-webhook-delivery-id", "d-9")]
    kept = json.loads(webhook_envelope("woocommerce", "fr", pairs, body("woocommerce/order_created.json")))
    assert kept["topic"] == "order.updated" and kept["delivery"]["delivery_id"] == "d-9"


def test_building_never_refuses_what_the_shop_sent_only_the_callers_mistakes() -> None:
    odd = b'\xff\xfe not json at all'
    kept = json.loads(webhook_envelope("woocommerce", "fr", {}, odd))
    assert kept["topic"] is None and kept["body"].encode("utf-8", "surrogateescape") == odd
    for platform, shop in (("magento", "eu"), ("shopify", "EU"), ("shopify", "eu/x")):
        with pytest.raises(ValueError):
            webhook_envelope(platform, shop, {}, b"{}")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="refunds"):
        poll_envelope("woocommerce", "fr", "refunds", b"[]")


def test_a_shopify_order_webhook_becomes_one_document_with_exact_numbers() -> None:
    raw = only(parse_envelope(shopify_envelope("orders/create", "shopify/orders_create.json"), "hook"))
    assert (raw.system, raw.message_type, raw.document_id, raw.source) == (
        "ecommerce", "shopify:orders/create", "eu:5698741234567", "eu")
    assert raw.format == "json" and set(raw.body) == {"shop", "order"} and raw.body["shop"] == "eu"
    order = raw.body["order"]
    assert order["id"] == 5698741234567 and type(order["id"]) is int
    assert order["line_items"][0]["tax_lines"][0]["rate"] == Decimal("0.19")
    assert order["total_price"] == "113.80"
    assert raw.control == {
        "platform": "shopify", "shop": "eu", "topic": "orders/create",
        "event_id": "98880550-7158-44d4-b7cd-2c97c8a091b5", "webhook_id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "triggered_at": "2024-06-03T12:22:07.318Z", "modified_at": "2024-06-03T12:22:07+00:00",
        "sku_system": "erp_sap"}
    assert raw.dedupe_key == "shopify:eu:orders/create:event:98880550-7158-44d4-b7cd-2c97c8a091b5"
    assert raw.payload == shopify_envelope("orders/create", "shopify/orders_create.json")


def test_shopify_dedupes_by_event_id_else_by_webhook_id() -> None:
    by_webhook = only(parse_envelope(shopify_envelope("orders/paid", "shopify/orders_create.json", event_id=None)))
    assert by_webhook.dedupe_key == "shopify:eu:orders/paid:webhook:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    with pytest.raises(DocumentError) as exc:
        parse_envelope(shopify_envelope("orders/paid", "shopify/orders_create.json", event_id=None, webhook_id=None))
    assert exc.value.field == "delivery.event_id"
    assert exc.value.document == "shop eu shopify:orders/paid 5698741234567"


def test_a_woocommerce_order_brings_its_refunds_along_as_documents_of_their_own() -> None:
    order, refund = parse_envelope(woocommerce_envelope("order.updated", "woocommerce/order_updated_completed.json"))
    assert (order.message_type, order.document_id) == ("woocommerce:order.updated", "fr:727")
    assert order.dedupe_key == \
        "woocommerce:fr:order.updated:delivery:36e520ebabc2fa725092ff4a47acedf2:727:2024-06-05T09:02:40+00:00"
    assert order.control["modified_at"] == "2024-06-05T09:02:40+00:00"  # date_modified_gmt is UTC unsaid
    assert (refund.message_type, refund.document_id) == ("woocommerce:order.refund", "fr:745")
    assert refund.body["order"] is order.body["order"] and refund.body["refund"]["total"] == "-24.95"
    assert refund.dedupe_key == order.dedupe_key + ":refund:745"
    assert refund.control["order_id"] == "fr:727" and "modified_at" not in refund.control
    assert refund.payload == order.payload


def test_a_deleted_woocommerce_order_is_only_its_id() -> None:
    raw = only(parse_envelope(woocommerce_envelope("order.deleted", "woocommerce/order_deleted.json")))
    assert (raw.message_type, raw.document_id, raw.body) == ("woocommerce:order.deleted", "fr:731",
                                                             {"shop": "fr", "order": {"id": 731}})
    assert "modified_at" not in raw.control
    assert raw.dedupe_key == "woocommerce:fr:order.deleted:delivery:36e520ebabc2fa725092ff4a47acedf2:731:"


def test_dedupe_keys_are_stable_for_a_redelivery_and_distinct_for_anything_else() -> None:
    def key(envelope: bytes) -> str:
        return parse_envelope(envelope)[0].dedupe_key

    order = "shopify/orders_create.json"
    assert key(shopify_envelope("orders/create", order)) == key(shopify_envelope("orders/create", order))
    distinct = {
        key(shopify_envelope("orders/create", order)),
        key(shopify_envelope("orders/updated", order)),  # one event, two topics
        key(shopify_envelope("orders/create", order, shop="us")),
        key(shopify_envelope("orders/create", order, event_id="another-event")),
    }
    assert len(distinct) == 4
    woo = "woocommerce/order_created.json"
    assert key(woocommerce_envelope("order.created", woo)) == key(woocommerce_envelope("order.created", woo))
    assert len({key(woocommerce_envelope("order.created", woo)),
                key(woocommerce_envelope("order.created", woo, delivery_id="another-delivery")),
                key(woocommerce_envelope("order.updated", "woocommerce/order_updated_completed.json"))}) == 3


def test_a_poll_page_becomes_one_document_per_object_each_kept_on_its_own() -> None:
    page = body("shopify/orders_page.json")
    documents = parse_envelope(poll_envelope("shopify", "eu", "orders", page), "poll")
    assert [(d.message_type, d.document_id) for d in documents] == [
        ("shopify:orders/poll", "eu:5698741234567"), ("shopify:guest", "eu:5698749876543"),
        ("shopify:orders/poll", "eu:5698749876543")]
    first = documents[0]
    assert first.dedupe_key == "shopify:eu:poll:orders:5698741234567:2024-06-05T07:41:30+00:00"
    assert first.control == {"platform": "shopify", "shop": "eu", "topic": "orders/poll", "resource": "orders",
                             "modified_at": "2024-06-05T07:41:30+00:00", "sku_system": "erp_sap"}
    kept = json.loads(first.payload or b"")
    assert kept["envelope"] == "crm-hub/shop-poll/1" and kept["resource"] == "orders"
    text = page.decode("utf-8")
    own = kept["body"][len('{"orders":['):-2]
    assert own in text and json.loads(own)["id"] == 5698741234567  # the object's text as the shop wrote it
    again = only(parse_envelope(first.payload or b""))
    assert (again.dedupe_key, again.payload, again.body) == (first.dedupe_key, first.payload, first.body)


def test_a_woocommerce_poll_page_is_a_list_and_its_orders_bring_their_refunds() -> None:
    documents = parse_envelope(poll_envelope("woocommerce", "fr", "orders", body("woocommerce/orders_page.json")))
    assert [(d.message_type, d.document_id) for d in documents] == [
        ("woocommerce:order.poll", "fr:727"), ("woocommerce:order.refund", "fr:745"), ("woocommerce:guest", "fr:731"),
        ("woocommerce:order.poll", "fr:731")]
    assert documents[1].dedupe_key == "woocommerce:fr:poll:orders:727:2024-06-05T09:02:40+00:00:refund:745"
    customers = parse_envelope(poll_envelope("woocommerce", "fr", "customers", body("woocommerce/customers_page.json")))
    assert [d.message_type for d in customers] == ["woocommerce:customer.poll"] * 2
    assert parse_envelope(poll_envelope("shopify", "eu", "customers", b'{"customers": []}')) == []


def test_the_codec_takes_only_envelopes() -> None:
    assert accepts(shopify_envelope("orders/create", "shopify/orders_create.json")[:4096], "x.json")
    assert accepts(b'{\n  "envelope": "crm-hub/shop-poll/1", "platform": "shopify"', "page.json")
    assert not accepts(body("shopify/orders_create.json")[:4096], "order.json")
    assert not accepts(b"EDI_DC40  100000000000000001", "orders.idoc")
    spec = codec_spec()
    assert "woocommerce:order.refund" in spec.document_kinds and "shopify:refunds/poll" in spec.document_kinds


def _error(envelope: bytes) -> DocumentError:
    with pytest.raises(DocumentError) as exc:
        parse_envelope(envelope, "hook.json")
    return exc.value


@pytest.mark.parametrize(("envelope", "document", "field", "reason"), [
    (lambda: shopify_envelope("orders/create", "malformed/shopify_order_truncated.json"),
     "shop eu shopify:orders/create", "body", "not valid JSON"),
    (lambda: shopify_envelope("orders/create", "malformed/shopify_order_missing_id.json"),
     "shop eu shopify:orders/create", "order.id", "missing"),
    (lambda: shopify_envelope("orders/updated", "malformed/shopify_order_bad_updated_at.json"),
     "shop eu shopify:orders/updated 5698741234567", "order.updated_at", "not an ISO 8601 date-time"),
    (lambda: woocommerce_envelope("order.created", "malformed/woocommerce_order_id_list.json"),
     "shop fr woocommerce:order.created", "order.id", "must be a number or text"),
    (lambda: woocommerce_envelope("order.created", "malformed/woocommerce_order_total_nan.json"),
     "shop fr woocommerce:order.created", "body", "NaN is not a JSON number"),
    (lambda: woocommerce_envelope("order.updated", "malformed/woocommerce_order_refunds_object.json"),
     "shop fr woocommerce:order.updated 727", "order.refunds", "must be a list"),
    (lambda: woocommerce_envelope("order.created", "malformed/woocommerce_order_not_object.json"),
     "shop fr woocommerce:order.created", "order", "expected a JSON object"),
    (lambda: shopify_envelope("products/create", "shopify/orders_create.json"),
     "shop eu", "topic", "unknown shopify topic 'products/create'"),
    (lambda: webhook_envelope("shopify", "eu", {}, body("shopify/orders_create.json")),
     "shop eu", "topic", "topic header was missing"),
    (lambda: woocommerce_envelope("order.created", "woocommerce/order_created.json", delivery_id=None),
     "shop fr woocommerce:order.created 727", "delivery.delivery_id", "X-WC-Webhook-Delivery-ID"),
    (lambda: webhook_envelope("woocommerce", "fr", {"X-WC-Webhook-Topic": "order.created",
                                                    "X-WC-Webhook-Delivery-ID": "d"}, b'{"id": 1, \xff}'),
     "shop fr woocommerce:order.created", "body", "not UTF-8"),
    (lambda: poll_envelope("shopify", "eu", "orders", b'{"customers": []}'),
     "shop eu shopify:orders/poll", "body", "no 'orders' list"),
    (lambda: poll_envelope("shopify", "eu", "orders", b'{"orders": [{"id": 1, "updated_at": "2024-06-01T00:00:00"}]}'),
     "shop eu shopify:orders/poll 1", "orders.0.updated_at", "no UTC offset"),
    (lambda: b'{"envelope": "crm-hub/shop-webhook/1", "platform": "shopify", "shop": "Eu"}',
     "hook.json", "shop", "not a shop name"),
    (lambda: b'{"envelope": "crm-hub/shop-poll/2"}', "hook.json", "envelope", "not a shop envelope"),
    (lambda: b'{"envelope": ["crm-hub/shop-poll/1"]}', "hook.json", "envelope", "not a shop envelope"),
    (lambda: b'{"envelope": "crm-hub/shop-poll/1", "platform": "shopify", "shop": "eu", "resource": "orders"}',
     "shop eu", "body", "missing from the envelope"),
    (lambda: b'{"envelope": "crm-hub/shop-poll/1", "platform": "shopify", "shop": "eu", "resource": "orders",'
             b' "body": "[]", "note": 1}', "shop eu", "note", "not a field of the envelope"),
    (lambda: b'{"envelope": "crm-hub/shop-poll/1", "platform": "shopify", "shop": "eu", "resource": ["orders"],'
             b' "body": "[]"}', "shop eu", "resource", "must be text"),
    (lambda: b'{"envelope": "crm-hub/shop-webhook/1", "platform": "shopify", "shop": "eu", "topic": "orders/paid",'
             b' "delivery": {"event_id": [1]}, "body": "{}"}', "shop eu shopify:orders/paid", "delivery.event_id",
     "must be text"),
    (lambda: b"\xff{}", "hook.json", "(envelope)", "not UTF-8"),
], ids=["truncated", "missing-id", "bad-updated-at", "id-list", "nan", "refunds-object", "not-object",
        "unknown-topic", "no-topic", "no-delivery-id", "not-utf8-body", "page-without-list", "naive-shopify-time",
        "bad-shop", "unknown-envelope", "envelope-list", "missing-body", "unknown-key", "resource-list",
        "delivery-list", "not-utf8-envelope"])
def test_malformed_input_names_shop_topic_object_and_field(envelope, document: str, field: str,  # type: ignore[no-untyped-def]
                                                           reason: str) -> None:
    problem = _error(envelope())
    assert (problem.document, problem.field) == (document, field)
    assert reason in problem.reason

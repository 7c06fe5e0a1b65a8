"""``POST /ecommerce/<shop>/webhooks`` on the real hub server, fed by the simulator's signed
webhooks and by hand: signatures checked before anything is stored, pings answered,
bodies over the limit refused, unreadable payloads answered 2xx and recorded as failed,
redeliveries posted once, older versions never overwriting newer ones."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live_shop import inbound, known_products, order_of, settle, shop_settings, sign
from shop_samples import body, shopify_headers, woocommerce_headers
from shoppers import ANNA, GUEST, TWO_VALVES

from hub.api import Partner
from hub.testing.live import LiveHub
from plugins.ecommerce.simulator import ShopSimulator, ShopSpec


@pytest.fixture(autouse=True)
def only_shops(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shops alone: no ERP to send the orders on to."""
    monkeypatch.setenv("HUB_DISABLED_PLUGINS", "erp_sap,loyalty_pos")


@pytest.fixture
def sim() -> Iterator[ShopSimulator]:
    with ShopSimulator([ShopSpec("eu", "shopify"), ShopSpec("fr", "woocommerce")]) as running:
        yield running


@pytest.fixture
def hub(tmp_path: Path, sim: ShopSimulator) -> Iterator[LiveHub]:
    with LiveHub(tmp_path, {"ecommerce": shop_settings(sim, max_body_bytes=64 * 1024)}) as live:
        known_products(live, sim)
        yield live


def secret(sim: ShopSimulator, shop: str) -> str:
    return sim.shops[shop].spec.webhook_secret


def post(hub: LiveHub, shop: str, payload: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{hub.url}/ecommerce/{shop}/webhooks", content=payload, headers=headers, timeout=5)


def test_signed_webhooks_of_both_platforms_become_partners_and_orders(sim: ShopSimulator, hub: LiveHub) -> None:
    for shop in ("eu", "fr"):
        sim.connect(shop, f"{hub.url}/ecommerce/{shop}/webhooks")
    anna = sim.create_customer("eu", **ANNA)
    placed = sim.place_order("eu", TWO_VALVES, customer_id=anna["id"])
    guest_order = sim.place_order("fr", TWO_VALVES, guest=GUEST)
    assert sim.wait_for_deliveries()
    assert all(d["state"] == "delivered" for d in sim.deliveries())
    assert hub.work_until(lambda: order_of(hub, f"eu:{placed['id']}") is not None, timeout=10)
    order = order_of(hub, f"eu:{placed['id']}")
    assert order is not None and order.payment_status == "paid" and order.currency == "EUR"
    with hub.context("ecommerce").reading() as transaction:
        partner = transaction.document(str(transaction.find("partner", f"eu:{anna['id']}")))
    assert isinstance(partner, Partner) and order.sold_to_hub_id == partner.hub_id
    assert [item.product_external_id for item in order.items] == ["400001"]
    woo = order_of(hub, f"fr:{guest_order['id']}")
    assert woo is not None and str(woo.partners[0].email).lower() == GUEST["email"].lower()
    assert {row["status"] for row in inbound(hub)} == {"posted"}


def test_a_bad_or_missing_signature_is_refused_and_nothing_is_stored(sim: ShopSimulator, hub: LiveHub) -> None:
    payload = body("shopify/orders_create.json")
    headers = shopify_headers("orders/create")
    assert post(hub, "eu", payload, headers).status_code == 401
    assert post(hub, "eu", payload, {**headers, "X-Shopify-Hmac-Sha256": sign(payload, "guessed")}).status_code == 401
    assert post(hub, "eu", payload, {**headers, "X-Shopify-Hmac-Sha256": "not base64!"}).status_code == 401
    # signed with the other shop's secret: each shop has its own
    assert post(hub, "eu", payload, {**headers, "X-Shopify-Hmac-Sha256": sign(payload, secret(sim, "fr"))}) \
        .status_code == 401
    woo = body("woocommerce/order_created_guest.json")
    assert post(hub, "fr", woo, woocommerce_headers("order.created")).status_code == 401
    assert post(hub, "nowhere", payload, {**headers, "X-Shopify-Hmac-Sha256": sign(payload, secret(sim, "eu"))}) \
        .status_code == 404
    settle(hub)
    assert inbound(hub) == []


def test_a_refused_webhook_is_logged_without_its_body_or_the_secret(
        sim: ShopSimulator, hub: LiveHub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    payload = body("shopify/orders_create.json")
    headers = {**shopify_headers("orders/create"), "X-Shopify-Hmac-Sha256": sign(payload, "guessed")}
    assert post(hub, "eu", payload, headers).status_code == 401
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/ecommerce/eu/webhooks" in logged and "signature" in logged
    for secret_text in (secret(sim, "eu"), headers["X-Shopify-Hmac-Sha256"], "anna.schmidt", "Lindenstra"):
        assert secret_text not in logged


def test_signature_headers_are_read_in_any_case_and_without_the_x_prefix(sim: ShopSimulator, hub: LiveHub) -> None:
    payload = body("shopify/customers_create.json")
    headers = {name.lower().removeprefix("x-"): value for name, value in shopify_headers("customers/create").items()}
    headers["SHOPIFY-HMAC-SHA256"] = sign(payload, secret(sim, "eu"))
    assert post(hub, "eu", payload, headers).status_code == 202
    woo = body("woocommerce/customer_created.json")
    assert post(hub, "fr", woo, {**woocommerce_headers("customer.created"),
                                 "x-wc-webhook-signature": sign(woo, secret(sim, "fr"))}).status_code == 202
    assert hub.work_until(lambda: hub.count("partner") == 2, timeout=10)


def test_woocommerce_pings_are_answered_and_ignored(sim: ShopSimulator, hub: LiveHub) -> None:
    sim.connect("fr", f"{hub.url}/ecommerce/fr/webhooks")
    assert sim.wait_for_deliveries()
    pings = sim.deliveries("fr")
    assert pings and all(d["state"] == "delivered" for d in pings)
    answer = post(hub, "fr", b"webhook_id=12", {"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200 and answer.json() == {"ignored": "webhook ping"}
    # a Shopify shop has no pings: the same body unsigned is refused there
    assert post(hub, "eu", b"webhook_id=12", {}).status_code == 401
    settle(hub)
    assert inbound(hub) == []


def test_a_body_over_the_limit_gets_413_and_is_not_stored(sim: ShopSimulator, hub: LiveHub) -> None:
    order = json.loads(body("shopify/orders_create.json"))
    order["note"] = "x" * (64 * 1024)
    payload = json.dumps(order).encode()
    headers = {**shopify_headers("orders/create"), "X-Shopify-Hmac-Sha256": sign(payload, secret(sim, "eu"))}
    assert post(hub, "eu", payload, headers).status_code == 413
    settle(hub)
    assert inbound(hub) == []


@pytest.mark.parametrize(("shop", "name", "topic", "expected"), [
    ("eu", "malformed/shopify_order_truncated.json", "orders/create",
     ["shop eu", "shopify:orders/create", "body"]),
    ("fr", "malformed/woocommerce_customer_email_number.json", "customer.created",
     ["fr:12", "woocommerce:customer.created", "email"]),
    ("eu", "malformed/shopify_order_bad_updated_at.json", "orders/updated",
     ["shop eu", "shopify:orders/updated", "order.updated_at"]),
    ("eu", "shopify/orders_create.json", "orders/exploded", ["shop eu", "topic", "orders/exploded"]),
    ("fr", "malformed/woocommerce_order_total_nan.json", "order.created",
     ["shop fr", "woocommerce:order.created", "NaN"]),
    ("fr", "malformed/woocommerce_order_id_list.json", "order.updated",
     ["shop fr", "woocommerce:order.updated", "order.id"]),
])
def test_a_signed_payload_that_cannot_be_read_is_answered_and_recorded_as_failed(
        sim: ShopSimulator, hub: LiveHub, shop: str, name: str, topic: str, expected: list[str]) -> None:
    payload = body(name)
    if shop == "eu":
        headers = {**shopify_headers(topic), "X-Shopify-Hmac-Sha256": sign(payload, secret(sim, "eu"))}
    else:
        headers = {**woocommerce_headers(topic), "X-WC-Webhook-Signature": sign(payload, secret(sim, "fr"))}
    assert post(hub, shop, payload, headers).status_code == 202
    assert hub.work_until(lambda: len(inbound(hub, "--state", "failed")) == 1, timeout=10)
    [failed] = inbound(hub, "--state", "failed")
    error = str(failed["error"])
    assert all(part in error for part in expected), error
    assert hub.count("sales_order") == 0


def test_redeliveries_are_posted_once(sim: ShopSimulator, hub: LiveHub) -> None:
    for shop in ("eu", "fr"):
        sim.connect(shop, f"{hub.url}/ecommerce/{shop}/webhooks")
    sim.set_chaos(duplicate=1.0, seed=3)
    anna = sim.create_customer("eu", **ANNA)
    placed = sim.place_order("eu", TWO_VALVES, customer_id=anna["id"])
    woo = sim.place_order("fr", TWO_VALVES, guest=GUEST)
    assert sim.wait_for_deliveries()
    duplicates = sum(1 for d in sim.deliveries() if d["duplicate_of"] is not None and d["state"] == "delivered")
    assert duplicates > 0
    assert hub.work_until(lambda: hub.count("sales_order") == 2, timeout=10)
    settle(hub)
    assert hub.count("sales_order") == 2 and hub.count("partner") >= 1
    rows = inbound(hub)
    assert {row["status"] for row in rows} == {"posted"}
    # each duplicate delivery is counted once per document it holds (a guest's order holds two)
    assert sum(int(str(row["duplicates"] or 0)) for row in rows) >= duplicates
    assert order_of(hub, f"eu:{placed['id']}") is not None and order_of(hub, f"fr:{woo['id']}") is not None


def test_an_older_version_never_overwrites_a_newer_one(sim: ShopSimulator, hub: LiveHub) -> None:
    """Deliveries of one order held back and overtaken: the hub keeps the shop's newest state."""
    sim.connect("eu", f"{hub.url}/ecommerce/eu/webhooks")
    anna = sim.create_customer("eu", **ANNA)
    assert sim.wait_for_deliveries()
    assert hub.work_until(lambda: hub.count("partner") == 1, timeout=10)
    sim.set_chaos(reorder=1.0, seed=5)
    placed = sim.place_order("eu", TWO_VALVES, customer_id=anna["id"])
    sim.cancel("eu", placed["id"])
    assert sim.wait_for_deliveries()
    order = f"eu:{placed['id']}"
    assert hub.work_until(lambda: (o := order_of(hub, order)) is not None and o.status == "cancelled", timeout=10)
    settle(hub)
    stored = order_of(hub, order)
    assert stored is not None and stored.status == "cancelled"


def signed_shopify(sim: ShopSimulator, topic: str, payload: bytes, event_id: str) -> dict[str, str]:
    return {**shopify_headers(topic, event_id=event_id), "X-Shopify-Hmac-Sha256": sign(payload, secret(sim, "eu"))}


def test_an_update_before_the_create_works_and_the_late_create_changes_nothing(
        sim: ShopSimulator, hub: LiveHub) -> None:
    customer = body("shopify/customers_create.json")
    assert post(hub, "eu", customer, signed_shopify(sim, "customers/create", customer, "e-0")).status_code == 202
    fulfilled, created = body("shopify/orders_fulfilled.json"), body("shopify/orders_create.json")
    assert post(hub, "eu", fulfilled, signed_shopify(sim, "orders/fulfilled", fulfilled, "e-2")).status_code == 202
    assert post(hub, "eu", created, signed_shopify(sim, "orders/create", created, "e-1")).status_code == 202
    order = f"eu:{json.loads(created)['id']}"
    assert hub.work_until(lambda: order_of(hub, order) is not None and len(inbound(hub)) == 3, timeout=10)
    settle(hub)
    stored = order_of(hub, order)
    assert stored is not None and stored.delivery_status == "delivered" and stored.shipments
    assert {row["status"] for row in inbound(hub)} == {"posted"}


def test_a_woocommerce_order_deleted_in_the_shop_is_cancelled(sim: ShopSimulator, hub: LiveHub) -> None:
    sim.connect("fr", f"{hub.url}/ecommerce/fr/webhooks")
    placed = sim.place_order("fr", TWO_VALVES, guest=GUEST)
    assert sim.wait_for_deliveries()
    shop_id = f"fr:{placed['id']}"
    assert hub.work_until(lambda: order_of(hub, shop_id) is not None, timeout=10)
    order = order_of(hub, shop_id)
    assert order is not None and order.status.value == "in_process"
    sim.delete_order("fr", placed["id"])
    assert sim.wait_for_deliveries()
    assert hub.work_until(lambda: getattr(order_of(hub, shop_id), "status", None) == "cancelled", timeout=10)
    cancelled = order_of(hub, shop_id)
    assert cancelled is not None and cancelled.hub_id == order.hub_id
    assert [(c.status, c.system, c.reason) for c in cancelled.status_history][-1:] == [
        ("cancelled", "ecommerce", "deleted in the shop")]
    rows = inbound(hub)
    assert {row["status"] for row in rows} == {"posted"} and any(
        row["document_kind"] == "woocommerce:order.deleted" for row in rows)


def test_a_deletion_that_overtakes_its_order_waits_for_it_and_cancels_it(sim: ShopSimulator, hub: LiveHub) -> None:
    created = json.loads(body("woocommerce/order_created_guest.json"))
    deleted = json.dumps({"id": created["id"]}).encode()
    headers = {**woocommerce_headers("order.deleted", "d-2"),
               "X-WC-Webhook-Signature": sign(deleted, secret(sim, "fr"))}
    assert post(hub, "fr", deleted, headers).status_code == 202
    assert hub.work_until(lambda: len(inbound(hub, "--state", "waiting")) == 1, timeout=10)
    [waiting] = inbound(hub, "--state", "waiting")
    assert "shop fr woocommerce:order.deleted fr:731" in str(waiting["error"])
    assert "order fr:731 is not known to the hub yet" in str(waiting["error"])

    order = body("woocommerce/order_created_guest.json")
    headers = {**woocommerce_headers("order.created", "d-1"), "X-WC-Webhook-Signature": sign(order, secret(sim, "fr"))}
    assert post(hub, "fr", order, headers).status_code == 202
    assert hub.work_until(lambda: getattr(order_of(hub, "fr:731"), "status", None) == "cancelled", timeout=10), \
        (order_of(hub, "fr:731"), [(r["document_kind"], r["status"], r["error"]) for r in inbound(hub)])
    assert inbound(hub, "--state", "waiting") == [] and inbound(hub, "--state", "failed") == []


def test_an_order_of_a_customer_not_known_yet_waits_for_the_customer(sim: ShopSimulator, hub: LiveHub) -> None:
    order = body("woocommerce/order_created.json")
    headers = {**woocommerce_headers("order.created", "d-3"), "X-WC-Webhook-Signature": sign(order, secret(sim, "fr"))}
    assert post(hub, "fr", order, headers).status_code == 202
    assert hub.work_until(lambda: len(inbound(hub, "--state", "waiting")) == 1, timeout=10)
    [waiting] = inbound(hub, "--state", "waiting")
    assert "partner 'fr:12' of ecommerce is not in the key map" in str(waiting["error"])

    customer = body("woocommerce/customer_created.json")
    headers = {**woocommerce_headers("customer.created", "d-4"),
               "X-WC-Webhook-Signature": sign(customer, secret(sim, "fr"))}
    assert post(hub, "fr", customer, headers).status_code == 202
    assert hub.work_until(lambda: order_of(hub, "fr:727") is not None, timeout=10)
    with hub.context("ecommerce").reading() as transaction:
        claire = transaction.find("partner", "fr:12")
    stored = order_of(hub, "fr:727")
    assert stored is not None and stored.sold_to_hub_id == claire
    assert {row["status"] for row in inbound(hub)} == {"posted"}

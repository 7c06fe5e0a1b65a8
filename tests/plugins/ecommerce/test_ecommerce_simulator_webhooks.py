"""The simulator's webhooks over real HTTP: signed as the platforms sign, with their
headers, re-sent as Shopify re-sends, given up as WooCommerce gives up, and with the
chaos asked for: duplicates, reordering, drops. What arrives, the codec reads."""

from __future__ import annotations

import json
from itertools import pairwise

from hook_receiver import HookReceiver, Received
from shoppers import ANNA, GUEST, TWO_VALVES, basket

from hub.api import verify_hmac
from plugins.ecommerce.codecs import is_woocommerce_ping, parse_envelope, verify_webhook, webhook_envelope
from plugins.ecommerce.simulator import ShopSimulator

SHOPIFY_HEADERS = {"x-shopify-topic", "x-shopify-hmac-sha256", "x-shopify-shop-domain", "x-shopify-webhook-id",
                   "x-shopify-event-id", "x-shopify-triggered-at", "x-shopify-api-version"}
WOOCOMMERCE_HEADERS = {"x-wc-webhook-topic", "x-wc-webhook-resource", "x-wc-webhook-event", "x-wc-webhook-signature",
                       "x-wc-webhook-id", "x-wc-webhook-delivery-id", "x-wc-webhook-source"}


def secret(sim: ShopSimulator, shop: str) -> str:
    return sim.shops[shop].spec.webhook_secret


def envelope(platform: str, received: Received) -> bytes:
    return webhook_envelope(platform, received.shop, received.headers, received.body)  # type: ignore[arg-type]


def test_shopify_webhooks_are_signed_and_carry_shopifys_headers(sim: ShopSimulator, receiver: HookReceiver) -> None:
    customer = sim.create_customer("eu", **ANNA)
    order = sim.place_order("eu", TWO_VALVES, customer_id=customer["id"])
    assert sim.wait_for_deliveries()
    assert [r.topic for r in receiver.of("eu")] == ["customers/create", "orders/create", "orders/paid"]
    for received in receiver.of("eu"):
        assert SHOPIFY_HEADERS <= set(received.headers)
        assert verify_hmac(received.body, received.headers["x-shopify-hmac-sha256"], secret(sim, "eu"))
        assert not verify_hmac(received.body, received.headers["x-shopify-hmac-sha256"], "another secret")
        assert received.headers["x-shopify-shop-domain"] == "eu.myshopify.com"
    created, paid = receiver.of("eu", "orders/create")[0], receiver.of("eu", "orders/paid")[0]
    assert json.loads(created.body)["id"] == order["id"]
    assert created.headers["x-shopify-event-id"] != paid.headers["x-shopify-event-id"]
    assert json.loads(created.body)["customer"]["id"] == customer["id"]


def test_woocommerce_pings_new_webhooks_then_signs_its_deliveries(sim: ShopSimulator, receiver: HookReceiver) -> None:
    pings = [r for r in receiver.of("fr") if r.topic is None]
    assert len(pings) == 5 and all(is_woocommerce_ping(p.body) for p in pings)
    assert all("x-wc-webhook-signature" not in p.headers for p in pings)
    order = sim.place_order("fr", TWO_VALVES, guest=GUEST, paid=False)
    sim.pay("fr", order["id"])
    sim.delete_order("fr", order["id"])
    assert sim.wait_for_deliveries()
    delivered = [r for r in receiver.of("fr") if r.topic]
    assert [r.topic for r in delivered] == ["order.created", "order.updated", "order.deleted"]
    for received in delivered:
        assert WOOCOMMERCE_HEADERS <= set(received.headers)
        assert verify_webhook("woocommerce", received.body, received.headers, secret(sim, "fr"))
    assert json.loads(delivered[0].body)["customer_id"] == 0 and json.loads(delivered[2].body) == {"id": order["id"]}
    assert delivered[1].headers["x-wc-webhook-delivery-id"] != delivered[0].headers["x-wc-webhook-delivery-id"]


def test_every_delivery_makes_an_envelope_the_codec_reads(sim: ShopSimulator, receiver: HookReceiver) -> None:
    customer = sim.create_customer("eu", **ANNA)
    order = sim.place_order("eu", TWO_VALVES, customer_id=customer["id"])
    edited = sim.edit_order("eu", order["id"], note="Gift wrap", address={**ANNA["address"], "city": "Potsdam"})
    assert edited["shipping_address"]["city"] == "Potsdam" and edited["updated_at"] > order["updated_at"]
    sim.refund("eu", order["id"], [{"sku": "400001", "quantity": 1}])
    sim.cancel("eu", order["id"])
    woo = sim.place_order("fr", basket("400001", "400002"), guest=GUEST)
    sim.refund("fr", woo["id"], [{"sku": "400002", "quantity": 1}], note="Damaged")
    assert sim.wait_for_deliveries()
    keys = []
    for received in receiver.of():
        if received.topic is None:
            continue
        platform = "shopify" if received.shop == "eu" else "woocommerce"
        documents = [d for d in parse_envelope(envelope(platform, received)) if not d.message_type.endswith(":guest")]
        assert documents[0].message_type == f"{platform}:{received.topic}"
        keys += [d.dedupe_key for d in documents]
    assert len(keys) == len(set(keys))
    topics = [r.topic for r in receiver.of("eu")]
    assert topics.count("refunds/create") == 2 and "orders/cancelled" in topics  # the cancel refunds the rest
    assert sim.order("eu", order["id"])["financial_status"] == "refunded"
    last = parse_envelope(envelope("woocommerce", receiver.of("fr", "order.updated")[-1]))
    assert [d.message_type for d in last] == ["woocommerce:guest", "woocommerce:order.updated",
                                              "woocommerce:order.refund"]


def test_duplicates_are_the_same_delivery_twice(sim: ShopSimulator, receiver: HookReceiver) -> None:
    sim.set_chaos(duplicate=1.0, seed=3)
    sim.create_customer("eu", **ANNA)
    sim.create_customer("fr", **ANNA)
    assert sim.wait_for_deliveries()
    for shop, platform in (("eu", "shopify"), ("fr", "woocommerce")):
        first, second = [r for r in receiver.of(shop) if r.topic]
        assert (first.headers, first.body) == (second.headers, second.body)
        [one] = parse_envelope(envelope(platform, first))
        [two] = parse_envelope(envelope(platform, second))
        assert one.dedupe_key == two.dedupe_key
    assert sum(1 for d in sim.deliveries() if d["duplicate_of"] is not None) == 2


def test_reordering_lets_a_later_delivery_overtake(sim: ShopSimulator, receiver: HookReceiver) -> None:
    sim.set_chaos(reorder=1.0, seed=1)
    first = sim.create_customer("eu", **ANNA)
    second = sim.create_customer("eu", **{**ANNA, "email": "bob@example.de"})
    assert sim.wait_for_deliveries()
    assert [json.loads(r.body)["id"] for r in receiver.of("eu")] == [second["id"], first["id"]]


def test_a_seeded_fraction_of_deliveries_is_dropped_and_shown_as_dropped(sim: ShopSimulator,
                                                                         receiver: HookReceiver) -> None:
    def run(seed: int) -> list[str]:
        sim.set_chaos(drop=0.3, seed=seed)
        start = len(sim.deliveries("eu"))
        for n in range(20):
            sim.create_customer("eu", **{**ANNA, "email": f"shopper{seed}-{n}@example.de"})
        assert sim.wait_for_deliveries()
        return [d["state"] for d in sim.deliveries("eu")[start:]]

    states = run(11)
    dropped = states.count("dropped")
    assert 0 < dropped < 20 and states.count("delivered") == 20 - dropped
    assert len(receiver.of("eu")) == 20 - dropped
    assert run(11).count("dropped") == dropped  # the same seed drops the same share


def test_shopify_re_sends_on_failure_on_its_schedule_with_the_same_webhook_id(
        sim: ShopSimulator, receiver: HookReceiver) -> None:
    sim.set_chaos(time_scale=0.002)  # Shopify's 1, 2, 4 minutes become 0.12, 0.24, 0.48 s
    receiver.fail(3)
    sim.create_customer("eu", **ANNA)
    assert sim.wait_for_deliveries(20)
    attempts = receiver.of("eu")
    assert [a.status for a in attempts] == [500, 500, 500, 200]
    assert len({a.headers["x-shopify-webhook-id"] for a in attempts}) == 1
    gaps = [later.at - earlier.at for earlier, later in pairwise(attempts)]
    for gap, minutes in zip(gaps, (1, 2, 4), strict=True):
        assert minutes * 60 * 0.002 <= gap < minutes * 60 * 0.002 + 1.0
    [delivery] = sim.deliveries("eu")
    assert delivery["state"] == "delivered" and len(delivery["attempts"]) == 4


def test_shopify_deletes_a_subscription_after_eight_failed_retries(sim: ShopSimulator,
                                                                  receiver: HookReceiver) -> None:
    sim.set_chaos(time_scale=0.0001)
    receiver.fail(100)
    sim.create_customer("eu", **ANNA)
    assert sim.wait_for_deliveries(30)
    assert len(receiver.of("eu")) == 9
    [delivery] = sim.deliveries("eu")
    assert delivery["state"] == "failed"
    subscribed = {s.topic for s in sim.subscriptions.of_shop("eu")}
    assert "customers/create" not in subscribed and "orders/create" in subscribed
    sim.create_customer("eu", **{**ANNA, "email": "later@example.de"})
    assert sim.wait_for_deliveries()
    assert len(receiver.of("eu")) == 9


def test_woocommerce_sends_once_and_disables_a_webhook_after_five_failures(sim: ShopSimulator,
                                                                           receiver: HookReceiver) -> None:
    receiver.fail(5)
    for n in range(6):
        sim.create_customer("fr", **{**ANNA, "email": f"shopper{n}@example.fr"})
    assert sim.wait_for_deliveries()
    created = receiver.of("fr", "customer.created")
    assert [r.status for r in created] == [500] * 5
    states = [d["state"] for d in sim.deliveries("fr") if d["topic"] == "customer.created"]
    assert states == ["failed"] * 5 + ["not_sent"]  # made before the webhook was disabled, never sent
    [hook] = [s for s in sim.subscriptions.of_shop("fr") if s.topic == "customer.created"]
    assert hook.status == "disabled"

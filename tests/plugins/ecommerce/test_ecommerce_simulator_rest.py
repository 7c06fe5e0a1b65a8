"""The simulator's REST APIs over real HTTP with real httpx clients: Shopify's Admin REST
subset and WooCommerce's REST v3 subset, their authentication, pagination, rate limits,
and what the hub writes back, recorded."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from hook_receiver import HookReceiver
from shoppers import ANNA, GUEST, TWO_VALVES, basket

from plugins.ecommerce.simulator import ShopSimulator


def shopify(sim: ShopSimulator) -> httpx.Client:
    shop = sim.describe()["shops"]["eu"]
    return httpx.Client(base_url=f"{shop['base_url']}/admin/api/2024-07/", timeout=10,
                        headers={"X-Shopify-Access-Token": shop["access_token"]})


def woocommerce(sim: ShopSimulator) -> httpx.Client:
    shop = sim.describe()["shops"]["fr"]
    return httpx.Client(base_url=f"{shop['base_url']}/wp-json/", timeout=10,
                        auth=(shop["consumer_key"], shop["consumer_secret"]))


def orders(sim: ShopSimulator, shop: str, count: int) -> list[dict[str, Any]]:
    return [sim.place_order(shop, basket("400001"), guest={**GUEST, "email": f"guest{n}@example.at"})
            for n in range(count)]


def test_shopify_refuses_a_missing_or_wrong_token(sim: ShopSimulator) -> None:
    url = sim.shop_url("eu") + "/admin/api/2024-07/orders.json"
    for headers in ({}, {"X-Shopify-Access-Token": "shpat_wrong"}):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401 and "Invalid API key or access token" in response.json()["errors"]
    assert httpx.get(sim.shop_url("eu") + "/admin/api/2024-05/orders.json").status_code == 404
    assert httpx.get(sim.shop_url("fr") + "/admin/api/2024-07/orders.json").status_code == 404


def test_shopify_pages_orders_by_cursor_in_the_link_header(sim: ShopSimulator) -> None:
    placed = orders(sim, "eu", 5)
    seen, pages = [], 0
    with shopify(sim) as client:
        response = client.get("orders.json", params={"status": "any", "limit": 2})
        while True:
            pages += 1
            assert response.status_code == 200
            seen += [o["id"] for o in response.json()["orders"]]
            following = response.links.get("next")
            if following is None:
                break
            assert "page_info=" in following["url"]
            response = client.get(following["url"])
        previous = response.links["previous"]["url"]
        assert [o["id"] for o in client.get(previous).json()["orders"]] == seen[2:4]
        assert client.get(previous + "&status=any").status_code == 400  # filters travel in the cursor
    assert seen == [o["id"] for o in placed] and pages == 3


def next_second() -> None:
    """Wait for the clock's next second: the shops keep modification times in seconds."""
    time.sleep(1.01 - time.time() % 1)


def test_shopify_filters_orders_by_status_and_update_time(sim: ShopSimulator) -> None:
    first, second = orders(sim, "eu", 2)
    next_second()
    cancelled = sim.cancel("eu", first["id"])
    with shopify(sim) as client:
        open_orders = client.get("orders.json").json()["orders"]
        assert [o["id"] for o in open_orders] == [second["id"]]  # status=open unless asked otherwise
        cancelled_orders = client.get("orders.json", params={"status": "cancelled"}).json()["orders"]
        assert [o["id"] for o in cancelled_orders] == [first["id"]]
        since = client.get("orders.json", params={"status": "any", "updated_at_min": cancelled["updated_at"]})
        assert [o["id"] for o in since.json()["orders"]] == [first["id"]]
        assert client.get("orders.json", params={"updated_at_min": "yesterday"}).status_code == 400
        one = client.get(f"orders/{first['id']}.json").json()["order"]
        assert one["cancelled_at"] and one["financial_status"] == "refunded"
        assert [r["order_id"] for r in client.get(f"orders/{first['id']}/refunds.json").json()["refunds"]] == [
            first["id"]]
        assert client.get("orders/1.json").status_code == 404


def test_shopify_counts_calls_and_answers_429_with_retry_after(sim: ShopSimulator) -> None:
    with shopify(sim) as client:
        used = [client.get("locations.json").headers["X-Shopify-Shop-Api-Call-Limit"] for _ in range(3)]
        assert used[0].endswith("/40") and int(used[2].split("/")[0]) > int(used[0].split("/")[0])
        sim.set_chaos(throttle_next=1, retry_after=1.5)
        throttled = client.get("locations.json")
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1.5"
        assert "Exceeded 2 calls per second" in throttled.json()["errors"]
        assert client.get("locations.json").status_code == 200
        answers = [client.get("locations.json").status_code for _ in range(45)]
        assert 429 in answers  # the bucket of 40 fills faster than it leaks
        late = client.get("locations.json")
        assert late.status_code == 429 and late.headers["Retry-After"] == "2.0"
        assert late.headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"


def test_shopify_fulfilments_stock_prices_tags_and_cancels_are_recorded(sim: ShopSimulator,
                                                                        receiver: HookReceiver) -> None:
    customer = sim.create_customer("eu", **ANNA)
    order = sim.place_order("eu", TWO_VALVES + basket("400002"), customer_id=customer["id"])
    with shopify(sim) as client:
        [fo] = client.get(f"orders/{order['id']}/fulfillment_orders.json").json()["fulfillment_orders"]
        valves = next(li for li in fo["line_items"] if li["quantity"] == 2)
        shipped = client.post("fulfillments.json", json={"fulfillment": {
            "line_items_by_fulfillment_order": [{"fulfillment_order_id": fo["id"], "fulfillment_order_line_items": [
                {"id": valves["id"], "quantity": 2}]}],
            "tracking_info": {"number": "00340434161094042557", "company": "DHL", "url": "https://dhl.example/1"},
            "notify_customer": True}})
        assert shipped.status_code == 201 and shipped.json()["fulfillment"]["tracking_company"] == "DHL"
        assert client.get(f"orders/{order['id']}.json").json()["order"]["fulfillment_status"] == "partial"
        too_many = client.post("fulfillments.json", json={"fulfillment": {"line_items_by_fulfillment_order": [
            {"fulfillment_order_id": fo["id"],
             "fulfillment_order_line_items": [{"id": valves["id"], "quantity": 1}]}]}})
        assert too_many.status_code == 422
        rest = client.post("fulfillments.json", json={"fulfillment": {"line_items_by_fulfillment_order": [
            {"fulfillment_order_id": fo["id"]}], "tracking_info": {"number": "JJD000390007", "company": "DPD"}}})
        assert rest.status_code == 201
        [location] = client.get("locations.json").json()["locations"]
        variant = client.get("products.json").json()["products"][0]["variants"][0]
        level = client.post("inventory_levels/set.json", json={
            "location_id": location["id"], "inventory_item_id": variant["inventory_item_id"], "available": 42})
        assert level.status_code == 200 and level.json()["inventory_level"]["available"] == 42
        levels = client.get("inventory_levels.json", params={"inventory_item_ids": variant["inventory_item_id"]})
        assert levels.json()["inventory_levels"][0]["available"] == 42
        priced = client.put(f"variants/{variant['id']}.json", json={"variant": {"id": variant["id"], "price": "26.50"}})
        assert priced.json()["variant"]["price"] == "26.50"
        assert client.put(f"variants/{variant['id']}.json", json={"variant": {"price": "cheap"}}).status_code == 422
        tagged = client.put(f"orders/{order['id']}.json", json={"order": {"id": order["id"], "tags": "erp-confirmed"}})
        assert tagged.json()["order"]["tags"] == "erp-confirmed"
        other = sim.place_order("eu", basket("400003"), customer_id=customer["id"])
        assert client.post(f"orders/{other['id']}/cancel.json", json={"reason": "inventory"}).status_code == 200
    assert sim.wait_for_deliveries()
    kinds = [(r["kind"], r.get("carrier"), r.get("available"), r.get("price")) for r in sim.recorded("eu")]
    assert kinds == [("fulfillment", "DHL", None, None), ("fulfillment", "DPD", None, None),
                     ("inventory", None, 42, None), ("price", None, None, "26.50"),
                     ("order_update", None, None, None), ("order_cancel", None, None, None)]
    first = sim.recorded("eu", "fulfillment")[0]
    assert first["lines"] == [{"sku": "400001", "quantity": 2}] and first["tracking_number"] == "00340434161094042557"
    assert sim.recorded("eu", "inventory")[0]["sku"] == "400001"
    assert [r.topic for r in receiver.of("eu", "orders/fulfilled")] == ["orders/fulfilled"]


def test_woocommerce_refuses_wrong_keys_and_takes_them_as_query_parameters(sim: ShopSimulator) -> None:
    shop = sim.describe()["shops"]["fr"]
    url = shop["base_url"] + "/wp-json/wc/v3/orders"
    refused = httpx.get(url, auth=(shop["consumer_key"], "cs_wrong"))
    assert refused.status_code == 401 and refused.json()["code"] == "woocommerce_rest_cannot_view"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, params={"consumer_key": shop["consumer_key"],
                                  "consumer_secret": shop["consumer_secret"]}).status_code == 200


def test_woocommerce_pages_by_number_with_totals(sim: ShopSimulator) -> None:
    placed = orders(sim, "fr", 5)
    with woocommerce(sim) as client:
        first = client.get("wc/v3/orders", params={"per_page": 2, "orderby": "id", "order": "asc"})
        assert (first.headers["X-WP-Total"], first.headers["X-WP-TotalPages"]) == ("5", "3")
        seen = [o["id"] for o in first.json()]
        response = first
        while "next" in response.links:
            response = client.get(response.links["next"]["url"])
            seen += [o["id"] for o in response.json()]
        assert seen == [o["id"] for o in placed] and "prev" in response.links
        newest = client.get("wc/v3/orders", params={"per_page": 1}).json()
        assert newest[0]["id"] == placed[-1]["id"]  # date descending unless asked otherwise
        latest = max(o["date_modified_gmt"] for o in placed)
        next_second()
        sim.pay("fr", sim.place_order("fr", basket("400003"), guest=GUEST, paid=False)["id"])
        after = client.get("wc/v3/orders", params={"modified_after": latest}).json()
        assert [(o["id"], o["status"]) for o in after] == [(placed[-1]["id"] + 1, "processing")]
        assert client.get("wc/v3/orders", params={"per_page": 101}).status_code == 400


def test_woocommerce_status_tracking_stock_and_prices_are_recorded(sim: ShopSimulator,
                                                                   receiver: HookReceiver) -> None:
    order = sim.place_order("fr", TWO_VALVES, guest=GUEST)
    with woocommerce(sim) as client:
        done = client.put(f"wc/v3/orders/{order['id']}", json={"status": "completed"})
        assert done.status_code == 200 and done.json()["status"] == "completed" and done.json()["date_completed"]
        assert client.put(f"wc/v3/orders/{order['id']}", json={"status": "shipped"}).status_code == 400
        tracked = client.post(f"wc-shipment-tracking/v3/orders/{order['id']}/shipment-trackings",
                              json={"tracking_provider": "Colissimo", "tracking_number": "6A12345678901",
                                    "date_shipped": "1717578000"})
        assert tracked.status_code == 201
        meta = client.get(f"wc/v3/orders/{order['id']}").json()["meta_data"]
        assert meta[0]["key"] == "_wc_shipment_tracking_items"
        assert meta[0]["value"][0]["tracking_number"] == "6A12345678901"
        [product] = client.get("wc/v3/products", params={"sku": "400002"}).json()
        stocked = client.put(f"wc/v3/products/{product['id']}", json={"stock_quantity": 7, "regular_price": "59.90"})
        assert stocked.json()["stock_quantity"] == 7 and stocked.json()["regular_price"] == "59.90"
        batch = client.post("wc/v3/products/batch", json={"update": [{"id": product["id"], "stock_quantity": 3}]})
        assert batch.json()["update"][0]["stock_quantity"] == 3
        assert client.put(f"wc/v3/products/{product['id']}", json={"regular_price": 59.9}).status_code == 400
    assert sim.wait_for_deliveries()
    assert [(r["kind"], r.get("status") or r.get("tracking_number") or r.get("stock_quantity") or r.get("price"))
            for r in sim.recorded("fr")] == [
        ("order_status", "completed"), ("fulfillment", "6A12345678901"), ("price", "59.90"), ("stock", 7),
        ("stock", 3)]
    assert sim.recorded("fr", "fulfillment")[0]["carrier"] == "Colissimo"
    assert [r.topic for r in receiver.of("fr") if r.topic] == ["order.created", "order.updated", "order.updated"]


def test_woocommerce_refunds_are_negative_and_its_order_lists_them(sim: ShopSimulator) -> None:
    order = sim.place_order("fr", TWO_VALVES, guest=GUEST)
    sim.refund("fr", order["id"], [{"sku": "400001", "quantity": 1}], note="Damaged")
    with woocommerce(sim) as client:
        [refund] = client.get(f"wc/v3/orders/{order['id']}/refunds").json()
        assert refund["amount"] == "29.69" and refund["reason"] == "Damaged"  # 24.95 + half of the 9.48 tax
        assert refund["line_items"][0]["quantity"] == -1 and refund["line_items"][0]["total"] == "-24.95"
        listed = client.get(f"wc/v3/orders/{order['id']}").json()
        assert listed["refunds"] == [{"id": refund["id"], "reason": "Damaged", "total": "-29.69"}]
        assert listed["total"] == "65.21"  # 49.90 + 9.48 tax + 4.90 shipping + 0.93 its tax


def test_woocommerce_creates_webhooks_pings_them_and_can_answer_429(sim: ShopSimulator) -> None:
    with HookReceiver().running() as hooks, woocommerce(sim) as client:
        made = client.post("wc/v3/webhooks", json={"name": "Hub orders", "topic": "order.created",
                                                   "delivery_url": hooks.url_of("fr"), "secret": "own-secret"})
        assert made.status_code == 201 and made.json()["status"] == "active"
        assert sim.wait_for_deliveries()
        assert [r.body for r in hooks.of("fr")] == [f"webhook_id={made.json()['id']}".encode()]
        assert client.post("wc/v3/webhooks", json={"topic": "coupon.created",
                                                   "delivery_url": hooks.url_of("fr")}).status_code == 422
        sim.set_chaos(throttle_next=2, retry_after=3)
        assert [client.get("wc/v3/webhooks").headers.get("Retry-After") for _ in range(3)] == ["3", "3", None]


@pytest.mark.parametrize("path", ["wc/v3/orders/999", "wc/v3/customers/999", "wc/v3/products/999"])
def test_woocommerce_answers_404_for_what_it_does_not_have(sim: ShopSimulator, path: str) -> None:
    with woocommerce(sim) as client:
        missing = client.get(path)
    assert missing.status_code == 404 and missing.json()["data"]["status"] == 404

"""The reconcile poll against the simulated shops: what the webhooks dropped is read by
``hub shop sync``, through every page, past 429s; a second pass posts nothing twice and
the cursor moves on with what was ingested."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from live_shop import inbound, known_products, shop_settings
from shoppers import ANNA, GUEST, TWO_VALVES

from hub.api import JsonValue
from hub.testing.live import LiveHub
from plugins.ecommerce import reconcile
from plugins.ecommerce.simulator import ShopSimulator, ShopSpec

SINCE = "2000-01-01T00:00:00+00:00"


@pytest.fixture(autouse=True)
def only_shops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DISABLED_PLUGINS", "erp_sap,loyalty_pos")
    monkeypatch.setattr(reconcile, "SHOPIFY_PAGE", 2)  # a handful of orders make several pages
    monkeypatch.setattr(reconcile, "PAGE", 2)


@pytest.fixture
def sim() -> Iterator[ShopSimulator]:
    with ShopSimulator([ShopSpec("eu", "shopify"), ShopSpec("fr", "woocommerce")]) as running:
        yield running


@pytest.fixture
def hub(tmp_path: Path, sim: ShopSimulator) -> Iterator[LiveHub]:
    with LiveHub(tmp_path, {"ecommerce": shop_settings(sim)}) as live:
        known_products(live, sim)
        for shop in ("eu", "fr"):
            sim.connect(shop, f"{live.url}/ecommerce/{shop}/webhooks")
        yield live


def sync(hub: LiveHub, shop: str, *args: str) -> dict[str, JsonValue]:
    result = hub.cli_json("shop", "sync", shop, *args)
    assert isinstance(result, dict)
    return result


def documents(result: dict[str, JsonValue]) -> dict[str, JsonValue]:
    counts = result["documents"]
    assert isinstance(counts, dict)
    return counts


def test_what_the_webhooks_dropped_is_read_page_by_page_and_posted_once(sim: ShopSimulator, hub: LiveHub) -> None:
    sim.set_chaos(drop=1.0, seed=1)
    anna = sim.create_customer("eu", **ANNA)
    placed = [sim.place_order("eu", TWO_VALVES, customer_id=anna["id"]) for _ in range(3)]
    woo = [sim.place_order("fr", TWO_VALVES, guest={**GUEST, "email": f"guest{n}@example.at"}) for n in range(3)]
    assert sim.wait_for_deliveries()
    assert sum(1 for d in sim.deliveries() if d["state"] == "dropped") >= 7  # 1 customer, 6 orders (and more)
    assert inbound(hub) == []

    eu, fr = sync(hub, "eu", "--since", SINCE), sync(hub, "fr", "--since", SINCE)
    assert eu["pages"] == 1 + 2 and documents(eu) == {"posted": 4}  # 1 customer page, 3 orders on 2 pages
    assert fr["pages"] == 1 + 2 and documents(fr)["posted"] == 3 + 3  # each guest order: its guest, then itself
    assert hub.count("sales_order") == 6
    with hub.context("ecommerce").reading() as transaction:
        assert all(transaction.find("sales_order", f"eu:{o['id']}") for o in placed)
        assert all(transaction.find("sales_order", f"fr:{o['id']}") for o in woo)
    cursors = eu["cursors"]
    assert isinstance(cursors, dict) and hub.context("ecommerce").state("cursor:eu:orders") == cursors["orders"]

    again = sync(hub, "eu")  # from the cursor: the newest order is read again, as a duplicate
    assert set(documents(again)) <= {"duplicate"}
    sim.edit_order("eu", placed[0]["id"], address={**ANNA["address"], "city": "Potsdam"})
    edited = sync(hub, "eu")
    assert documents(edited).get("posted") == 1 and hub.count("sales_order") == 6


def test_the_poll_waits_out_429s(sim: ShopSimulator, hub: LiveHub) -> None:
    sim.set_chaos(drop=1.0, seed=1)
    anna = sim.create_customer("eu", **ANNA)
    sim.place_order("eu", TWO_VALVES, customer_id=anna["id"])
    sim.place_order("fr", TWO_VALVES, guest=GUEST)
    assert sim.wait_for_deliveries()
    sim.set_chaos(throttle_next=3, retry_after=0.1)
    assert documents(sync(hub, "eu", "--since", SINCE)) == {"posted": 2}
    assert documents(sync(hub, "fr", "--since", SINCE)) == {"posted": 2}
    assert sim.chaos.snapshot()["throttle_next"] == 0


def test_an_unknown_shop_or_time_is_refused(hub: LiveHub) -> None:
    with pytest.raises(RuntimeError, match="no shop 'nowhere'"):
        hub.cli_json("shop", "sync", "nowhere")
    with pytest.raises(RuntimeError, match="not an ISO 8601 time"):
        hub.cli_json("shop", "sync", "eu", "--since", "yesterday")


def test_a_shopify_refund_whose_webhook_was_lost_is_found_in_its_polled_order(sim: ShopSimulator,
                                                                              hub: LiveHub) -> None:
    anna = sim.create_customer("eu", **ANNA)
    placed = sim.place_order("eu", TWO_VALVES, customer_id=anna["id"])
    assert sim.wait_for_deliveries()
    assert hub.work_until(lambda: hub.count("sales_order") == 1, timeout=30)
    sim.set_chaos(drop=1.0, seed=1)
    refund = sim.refund("eu", placed["id"], [{"sku": TWO_VALVES[0]["sku"], "quantity": 1}], note="one was bent")
    assert sim.wait_for_deliveries()
    assert hub.count("sales_order") == 1  # the refund's webhook was dropped

    found = sync(hub, "eu", "--since", SINCE)
    assert "waiting" not in documents(found) and hub.count("sales_order") == 2
    with hub.context("ecommerce").reading() as transaction:
        returned = transaction.find("sales_order", f"eu:{placed['id']}:{refund['id']}")
        assert returned is not None and transaction.document(returned).order_type == "return"
    assert set(documents(sync(hub, "eu", "--since", SINCE))) <= {"duplicate"}
    assert hub.count("sales_order") == 2

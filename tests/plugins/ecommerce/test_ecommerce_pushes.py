"""Back to the shops, through the queues: an order the ERP confirmed, delivered and
invoiced shows in its shop as confirmed and fulfilled with carrier and tracking number;
the ERP's stock report and price change reach every shop selling the SKU; a shop that
answers 429 is retried after its Retry-After; a refusal blocks only that object's queue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest
from live_shop import shop_settings
from pydantic import SecretStr
from shoppers import ANNA, GUEST, TWO_VALVES

from hub.api import DemoStage
from hub.testing.demo import QUICK_RETRIES
from hub.testing.live import LiveHub
from plugins.ecommerce.simulator import ShopSimulator
from plugins.erp_sap.demo import ErpDemo
from plugins.erp_sap.simulator.delivery import FollowupTarget

USER, PASSWORD = "demo", "demo-secret"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def landscape(tmp_path: Path, sim: ShopSimulator,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveHub, ErpDemo]]:
    monkeypatch.chdir(REPO)
    with closing(ErpDemo(DemoStage(tmp_path / "erp", USER, PASSWORD, 10))) as erp, \
            LiveHub(tmp_path / "hub", {"erp_sap": erp.settings, "ecommerce": shop_settings(sim)},
                    username=USER, password=PASSWORD, queue=QUICK_RETRIES) as hub:
        erp.sim.followups = FollowupTarget.parse(f"{hub.url}/erp_sap/idoc", USER, SecretStr(PASSWORD))
        hub.load("erp_sap", "products")
        for shop in ("eu", "fr"):
            sim.connect(shop, f"{hub.url}/ecommerce/{shop}/webhooks")
        yield hub, erp


def recorded(sim: ShopSimulator, shop: str, kind: str) -> list[dict[str, object]]:
    return sim.recorded(shop, kind)


def test_the_erps_confirmation_and_delivery_show_in_both_shops(
        sim: ShopSimulator, landscape: tuple[LiveHub, ErpDemo]) -> None:
    hub, _ = landscape
    anna = sim.create_customer("eu", **ANNA)
    eu = sim.place_order("eu", TWO_VALVES, customer_id=anna["id"])
    fr = sim.place_order("fr", TWO_VALVES, guest=GUEST)
    assert sim.wait_for_deliveries()

    def shown() -> bool:
        return bool(recorded(sim, "eu", "fulfillment")) and sim.order("fr", fr["id"])["status"] == "completed"

    assert hub.work_until(shown, timeout=40)
    hub.work_until(lambda: False, timeout=1.0)
    [fulfilment] = recorded(sim, "eu", "fulfillment")
    assert fulfilment["order_id"] == eu["id"] and fulfilment["carrier"] == "DHL Paket"
    assert str(fulfilment["tracking_number"]).startswith("JJD0099")
    assert fulfilment["lines"] == [{"sku": "400001", "quantity": 2}]
    order = sim.order("eu", eu["id"])
    assert order["fulfillment_status"] == "fulfilled" and "erp-confirmed" in order["tags"]
    [tracking] = recorded(sim, "fr", "fulfillment")
    assert tracking["order_id"] == fr["id"] and str(tracking["tracking_number"]).startswith("JJD0099")
    # the shops' own webhooks about these writes come back and change nothing more
    assert sim.wait_for_deliveries()
    hub.work_until(lambda: False, timeout=1.0)
    assert len(recorded(sim, "eu", "fulfillment")) == 1 and len(recorded(sim, "fr", "fulfillment")) == 1
    assert hub.cli_json("inbound", "list", "--state", "failed") == []


def test_stock_and_price_changes_in_the_erp_reach_every_shop(
        sim: ShopSimulator, landscape: tuple[LiveHub, ErpDemo]) -> None:
    hub, erp = landscape
    erp.sim.report_stock(["000000000000400001", "000000000000400002"])
    erp.sim.change_price("000000000000400003", Decimal("4.25"))

    def arrived() -> bool:
        return len(recorded(sim, "eu", "inventory")) >= 2 and len(recorded(sim, "fr", "stock")) >= 2 \
            and all(prices(shop).get("400003") == "4.25" for shop in ("eu", "fr"))

    def prices(shop: str) -> dict[object, object]:
        return {r["sku"]: r["price"] for r in recorded(sim, shop, "price")}

    assert hub.work_until(arrived, timeout=40)
    stock = {r["sku"]: r["available"] for r in recorded(sim, "eu", "inventory")}
    levels = {str(getattr(level, "product_external_id", "")).lstrip("0"): int(level.available.value)
              for level in hub.documents("stock_level")}
    assert stock == {sku: levels[sku] for sku in ("400001", "400002")}
    assert {r["sku"]: r["stock_quantity"] for r in recorded(sim, "fr", "stock")} == stock
    # the initial load set every SKU's price from the ERP; the change came after, and only once
    assert prices("eu") == prices("fr") and set(prices("eu")) == {"400001", "400002", "400003", "400004", "400005"}
    assert [r["price"] for r in recorded(sim, "eu", "price") if r["sku"] == "400003"][-1] == "4.25"
    assert sum(1 for r in recorded(sim, "fr", "price") if r["price"] == "4.25") == 1


def test_a_shop_answering_429_is_retried_after_its_retry_after(
        sim: ShopSimulator, landscape: tuple[LiveHub, ErpDemo]) -> None:
    hub, erp = landscape
    assert hub.work_until(lambda: len(recorded(sim, "eu", "price")) == 5, timeout=20)  # the load's prices
    sim.set_chaos(throttle_next=2, retry_after=0.3)
    erp.sim.report_stock(["000000000000400001"])
    assert hub.work_until(lambda: len(recorded(sim, "eu", "inventory")) == 1
                          and len(recorded(sim, "fr", "stock")) == 1, timeout=20)
    assert sim.chaos.snapshot()["throttle_next"] == 0
    listed = hub.cli_json("messages", "--system", "ecommerce", "--limit", "1000")
    assert isinstance(listed, list)
    stock = [m for m in listed if isinstance(m, dict) and m["kind"] == "stock"]
    assert len(stock) == 2 and all(m["status"] == "delivered" for m in stock)
    assert sum(int(str(m["attempts"])) for m in stock) == 4  # each throttled once, then through

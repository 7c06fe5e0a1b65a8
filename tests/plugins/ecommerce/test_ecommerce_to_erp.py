"""Shop orders onward to the ERP: a webhook's order reaches the ERP simulator through the
erp_sap plugin, by configuration and the canonical model alone (the plugins never import
each other): the shop's customer goes to the ERP first and gets its number, the SKUs
are the ERP's material numbers, and a guest is made a partner of its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
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


def erp_number(hub: LiveHub, doc_type: str, hub_id: str | None) -> str | None:
    with hub.context("erp_sap").reading() as transaction:
        return transaction.external_id(doc_type, str(hub_id)) if hub_id else None


def shop_order_hub_id(hub: LiveHub, shop_id: str) -> str | None:
    with hub.context("ecommerce").reading() as transaction:
        return transaction.find("sales_order", shop_id)


@contextmanager
def erp_landscape(tmp_path: Path, sim: ShopSimulator, **erp_settings: str) -> Iterator[tuple[ErpDemo, LiveHub]]:
    """The ERP simulator and a live hub between it and both shops, the ERP's materials
    (the shops' SKUs) loaded; ``erp_settings`` override the demo's erp_sap settings."""
    with closing(ErpDemo(DemoStage(tmp_path / "erp", USER, PASSWORD, 20))) as erp, \
            LiveHub(tmp_path / "hub", {"erp_sap": {**erp.settings, **erp_settings}, "ecommerce": shop_settings(sim)},
                    username=USER, password=PASSWORD, queue=QUICK_RETRIES) as hub:
        erp.sim.followups = FollowupTarget.parse(f"{hub.url}/erp_sap/idoc", USER, SecretStr(PASSWORD))
        hub.load("erp_sap", "products")
        for shop in ("eu", "fr"):
            sim.connect(shop, f"{hub.url}/ecommerce/{shop}/webhooks")
        yield erp, hub


def test_a_webhook_order_reaches_the_erp_simulator_once(
        tmp_path: Path, sim: ShopSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    with erp_landscape(tmp_path, sim) as (erp, hub):
        anna = sim.create_customer("eu", **ANNA)
        placed = sim.place_order("eu", TWO_VALVES, customer_id=anna["id"])
        guest = sim.place_order("fr", TWO_VALVES, guest=GUEST)
        assert sim.wait_for_deliveries()
        wanted = [f"eu:{placed['id']}", f"fr:{guest['id']}"]

        def in_the_erp() -> bool:
            return all(erp_number(hub, "sales_order", shop_order_hub_id(hub, o)) for o in wanted)

        assert hub.work_until(in_the_erp, timeout=30)
        with hub.context("ecommerce").reading() as transaction:
            anna_partner = transaction.find("partner", f"eu:{anna['id']}")
        anna_number = erp_number(hub, "partner", anna_partner)
        assert anna_number is not None
        for shop_id in wanted:
            number = str(erp_number(hub, "sales_order", shop_order_hub_id(hub, shop_id))).zfill(10)
            request = erp.sim.orders[number].request
            assert [(i.material.lstrip("0"), i.quantity) for i in request.items] == [("400001", 2)]
        eu_order = erp.sim.orders[str(erp_number(hub, "sales_order", shop_order_hub_id(hub, wanted[0]))).zfill(10)]
        assert eu_order.request.sold_to.lstrip("0") == anna_number.lstrip("0")
        assert len(erp.sim.orders) == 2
        # the ERP's confirmations, deliveries and invoices post onto the shop's orders
        hub.work_until(lambda: False, timeout=1.0)
        assert hub.cli_json("inbound", "list", "--state", "failed") == []


def test_a_refund_and_a_cancellation_in_the_shops_reach_the_erp(
        tmp_path: Path, sim: ShopSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the IDoc channel, whose ORDERS05 names the order a return refers to (E1EDK02
    qualifier 002); the SOAP channel's message has no field for it."""
    monkeypatch.chdir(REPO)
    with erp_landscape(tmp_path, sim, order_channel="idoc") as (erp, hub):
        anna = sim.create_customer("eu", **ANNA)
        kept = sim.place_order("eu", TWO_VALVES, customer_id=anna["id"])
        dropped = sim.place_order("fr", TWO_VALVES, guest=GUEST)
        assert sim.wait_for_deliveries()
        kept_id, dropped_id = f"eu:{kept['id']}", f"fr:{dropped['id']}"

        def erp_order(shop_id: str) -> str | None:
            return erp_number(hub, "sales_order", shop_order_hub_id(hub, shop_id))

        assert hub.work_until(lambda: bool(erp_order(kept_id) and erp_order(dropped_id)), timeout=30)
        refund = sim.refund("eu", kept["id"], [{"sku": "400001", "quantity": 1}], note="one was bent")
        sim.cancel("fr", dropped["id"])
        assert sim.wait_for_deliveries()
        returned_id = f"{kept_id}:{refund['id']}"

        def settled() -> bool:
            return bool(erp_order(returned_id)) and str(erp_order(dropped_id)).zfill(10) in erp.sim.state.cancelled

        assert hub.work_until(settled, timeout=30), hub.cli_json("messages", "--state", "blocked")
        returned = erp.sim.orders[str(erp_order(returned_id)).zfill(10)].request
        assert returned.order_type == "RE"
        assert str(returned.reference).lstrip("0") == str(erp_order(kept_id)).lstrip("0")
        assert [(i.material.lstrip("0"), i.quantity) for i in returned.items] == [("400001", 1)]
        assert len([o for o in erp.sim.orders.values() if o.request.order_type == "TA"]) == 2

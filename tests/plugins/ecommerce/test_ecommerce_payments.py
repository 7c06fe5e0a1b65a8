"""A shop order paid by bank transfer becomes paid in its shop when the ERP clears its
invoice: shop -> hub -> ERP simulator (order, invoice), the ERP's payment advice
(REMADV) -> hub -> shop simulator (a Shopify transaction, WooCommerce's set_paid), all
over HTTP on 127.0.0.1, by configuration and the canonical model alone."""

from __future__ import annotations

from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest
from live_shop import shop_settings
from pydantic import SecretStr
from shoppers import ANNA, GUEST, TWO_VALVES

from hub.api import DemoStage, SalesOrder
from hub.testing.demo import QUICK_RETRIES
from hub.testing.live import LiveHub
from plugins.ecommerce.simulator import ShopSimulator
from plugins.erp_sap.demo import ErpDemo
from plugins.erp_sap.simulator.delivery import FollowupTarget

USER, PASSWORD = "demo", "demo-secret"
REPO = Path(__file__).resolve().parents[3]


def _order(hub: LiveHub, shop_id: str) -> SalesOrder | None:
    with hub.context("ecommerce").reading() as transaction:
        hub_id = transaction.find("sales_order", shop_id)
        order = transaction.document(hub_id) if hub_id else None
    return order if isinstance(order, SalesOrder) else None


def _erp_number(hub: LiveHub, hub_id: str) -> str | None:
    with hub.context("erp_sap").reading() as transaction:
        number = transaction.external_id("sales_order", hub_id)
    return number.zfill(10) if number else None


def test_the_erp_clearing_an_invoice_makes_the_shop_order_paid(
        tmp_path: Path, sim: ShopSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    with closing(ErpDemo(DemoStage(tmp_path / "erp", USER, PASSWORD, 20))) as erp, \
            LiveHub(tmp_path / "hub", {"erp_sap": erp.settings, "ecommerce": shop_settings(sim)},
                    username=USER, password=PASSWORD, queue=QUICK_RETRIES) as hub:
        erp.sim.followups = FollowupTarget.parse(f"{hub.url}/erp_sap/idoc", USER, SecretStr(PASSWORD))
        hub.load("erp_sap", "products")
        for shop in ("eu", "fr"):
            sim.connect(shop, f"{hub.url}/ecommerce/{shop}/webhooks")
        anna = sim.create_customer("eu", **ANNA)
        placed = {"eu": sim.place_order("eu", TWO_VALVES, customer_id=anna["id"], paid=False)["id"],
                  "fr": sim.place_order("fr", TWO_VALVES, guest=GUEST, paid=False)["id"]}
        assert sim.wait_for_deliveries()
        wanted = {shop: f"{shop}:{order_id}" for shop, order_id in placed.items()}

        def billed() -> bool:
            orders = [_order(hub, shop_id) for shop_id in wanted.values()]
            return all(o is not None and o.status == "completed" for o in orders)

        assert hub.work_until(billed, timeout=40)
        invoices = {}
        for shop, shop_id in wanted.items():
            order = _order(hub, shop_id)
            assert order is not None and order.hub_id and order.payment_status == "pending"
            number = _erp_number(hub, order.hub_id)
            [invoice] = [i for i in erp.sim.billing.issued.values() if i.erp_order_id == number]
            invoices[shop] = invoice
        assert sim.order("eu", placed["eu"])["financial_status"] == "pending"
        assert sim.order("fr", placed["fr"])["date_paid"] is None

        part = (invoices["eu"].gross / 2).quantize(Decimal("0.01"))
        erp.sim.emit_payment(invoices["eu"].number, part)
        hub.work_until(lambda: False, timeout=1.0)
        # partly paid: the ERP's billing document says so, the shop still waits for the rest
        shown = hub.cli_json("invoice", "show", f"erp_sap:{invoices['eu'].number.lstrip('0')}")
        assert isinstance(shown, dict) and isinstance(shown["payment"], dict)
        assert (shown["payment"]["status"], shown["payment"]["paid"]) == ("partially_paid", f"{part} EUR")
        assert sim.order("eu", placed["eu"])["financial_status"] == "pending"

        for invoice in invoices.values():
            erp.sim.emit_payment(invoice.number)

        def paid_in_the_shops() -> bool:
            return sim.order("eu", placed["eu"])["financial_status"] == "paid" \
                and sim.order("fr", placed["fr"])["date_paid"] is not None

        assert hub.work_until(paid_in_the_shops, timeout=30)
        [transaction] = [r for r in sim.recorded("eu", "transaction")]
        assert transaction["order_id"] == placed["eu"] and transaction["transaction_kind"] == "sale"
        assert [r["status"] for r in sim.recorded("fr", "order_paid")] == ["processing"]
        hub.work_until(lambda: False, timeout=1.0)  # the shops' own word comes back, nothing more is sent
        assert len(sim.recorded("eu", "transaction")) == 1 and len(sim.recorded("fr", "order_paid")) == 1
        assert all((o := _order(hub, shop_id)) is not None and o.payment_status == "paid"
                   for shop_id in wanted.values())
        assert hub.cli_json("inbound", "list", "--state", "failed") == []

"""The ecommerce part of ``hub demo``: web-shop orders through the hub to the ERP and back.

It runs after the ERP's part, against the same live hub: a simulated Shopify shop
(``eu``) and WooCommerce shop (``fr``) on 127.0.0.1 sell the ERP's materials (their
SKUs are its material numbers). A registered customer orders in the Shopify shop, a
guest in the WooCommerce shop; the signed webhooks reach the hub, the orders go on to
the ERP simulator (through whatever ERP plugin is configured: this part only looks at
the hub's key map), and come back: the ERP's confirmation, its delivery as a fulfilment
with carrier and tracking number in the shop, its invoice in the hub. The ERP's stock
report and price changes, made during its own part, must have reached both shops.
Every step not seen is returned as a problem, so ``hub demo`` exits 1.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from hub.api import BillingDocument, DemoStage, JsonValue, print_table
from hub.testing.live import LiveHub
from plugins.ecommerce.settings import PLUGIN
from plugins.ecommerce.simulator import ShopSimulator, ShopSpec

ERP = "erp_sap"
"""The system the orders must reach: its number for them in the key map says they did."""
ANNA = {"email": "anna.schmidt@example.de", "first_name": "Anna", "last_name": "Schmidt",
        "address": {"address1": "Lindenstraße 12", "city": "Berlin", "zip": "10115", "country": "DE"}}
GUEST = {"email": "claire.martin@example.fr", "first_name": "Claire", "last_name": "Martin",
         "address": {"address1": "12 rue de la Paix", "city": "Paris", "zip": "75002", "country": "FR"}}
STEP_SECONDS = 30.0


@dataclass
class ShopDemo:
    """The part, its shop simulator started."""

    stage: DemoStage
    step_seconds: float = STEP_SECONDS
    """How long each step may take before it counts as not done."""
    sim: ShopSimulator = field(init=False)
    settings: dict[str, object] = field(init=False)

    def __post_init__(self) -> None:
        self.sim = ShopSimulator([ShopSpec("eu", "shopify"), ShopSpec("fr", "woocommerce")])
        self.sim.start()
        self.settings = {"shops": self.sim.describe()["shops"]}

    def run(self, hub: LiveHub) -> list[str]:
        """Orders from both shops to the ERP and back; returns what did not happen."""
        started = time.monotonic()
        sim, problems = self.sim, []
        click.secho(f"\nShop simulator at {sim.base_url}: Shopify shop eu, WooCommerce shop fr", fg="cyan")
        for shop in ("eu", "fr"):
            sim.connect(shop, f"{hub.url}/{PLUGIN}/{shop}/webhooks")
        anna = sim.create_customer("eu", **ANNA)
        orders = {"eu": sim.place_order("eu", [{"sku": "400001", "quantity": 2}, {"sku": "400003", "quantity": 1}],
                                        customer_id=anna["id"]),
                  "fr": sim.place_order("fr", [{"sku": "400002", "quantity": 1}], guest=GUEST)}
        click.echo(f"Anna ordered {orders['eu']['name']} in shop eu; guest Claire ordered #{orders['fr']['id']}"
                   " in shop fr; the shops send signed webhooks")
        ids = {shop: f"{shop}:{order['id']}" for shop, order in orders.items()}

        def step(what: str, done: Callable[[], bool]) -> None:
            ok = hub.work_until(done, timeout=self.step_seconds)
            click.secho(f"  {'ok  ' if ok else 'MISSING'} {what}", fg="green" if ok else "red")
            if not ok:
                problems.append(f"shops: {what} did not happen")

        step("both orders arrived by webhook", lambda: all(_hub_id(hub, i) for i in ids.values()))
        step("both orders reached the ERP", lambda: all(_erp_number(hub, i) for i in ids.values()))
        step("the ERP's confirmation shows in both shops",
             lambda: "erp-confirmed" in sim.order("eu", orders["eu"]["id"])["tags"]
             and sim.order("fr", orders["fr"]["id"])["status"] in ("processing", "completed"))
        step("the ERP's delivery shows as fulfilment with tracking number in both shops",
             lambda: all(_tracking(sim, shop, order["id"]) for shop, order in orders.items()))
        step("the ERP's invoices reached the hub", lambda: _invoiced(hub, [_hub_id(hub, i) for i in ids.values()]))
        step("the ERP's stock levels reached both shops",
             lambda: bool(sim.recorded("eu", "inventory")) and bool(sim.recorded("fr", "stock")))
        step("the ERP's prices reached both shops",
             lambda: bool(sim.recorded("eu", "price")) and bool(sim.recorded("fr", "price")))
        hub.work_until(lambda: False, timeout=0.5)
        self._report(hub, orders, ids, time.monotonic() - started)
        return problems

    def _report(self, hub: LiveHub, orders: dict[str, dict[str, Any]], ids: dict[str, str], seconds: float) -> None:
        rows = []
        for shop, order in orders.items():
            tracking = _tracking(self.sim, shop, order["id"])
            rows.append((shop, order["id"], _erp_number(hub, ids[shop]) or "",
                         self.sim.order(shop, order["id"]).get("fulfillment_status")
                         or self.sim.order(shop, order["id"]).get("status"),
                         f"{tracking[0].get('carrier')} {tracking[0].get('tracking_number')}" if tracking else ""))
        print_table(["shop", "order", "ERP order", "state in the shop", "carrier, tracking number"], rows,
                    title="Web-shop orders, end to end")
        for shop in ("eu", "fr"):
            stock = self.sim.recorded(shop, "inventory" if shop == "eu" else "stock")
            prices = self.sim.recorded(shop, "price")
            click.echo(f"shop {shop}: {len(stock)} stock updates, {len(prices)} price updates from the ERP"
                       + (f" (last: SKU {prices[-1]['sku']} at {prices[-1]['price']})" if prices else ""))
        click.echo(f"shops part: {seconds:.1f} s")

    def close(self) -> None:
        """Stop the shop simulator."""
        self.sim.stop()


def _hub_id(hub: LiveHub, shop_id: str) -> str | None:
    with hub.context(PLUGIN).reading() as transaction:
        return transaction.find("sales_order", shop_id)


def _erp_number(hub: LiveHub, shop_id: str) -> str | None:
    hub_id = _hub_id(hub, shop_id)
    if hub_id is None:
        return None
    with hub.context(PLUGIN).reading() as transaction:
        return transaction.external_id("sales_order", hub_id, ERP)


def _tracking(sim: ShopSimulator, shop: str, order_id: int) -> list[dict[str, JsonValue]]:
    return [r for r in sim.recorded(shop, "fulfillment") if r.get("order_id") == order_id and r.get("tracking_number")]


def _invoiced(hub: LiveHub, hub_ids: list[str | None]) -> bool:
    referred = {ref.hub_id for invoice in hub.documents("billing_document") if isinstance(invoice, BillingDocument)
                for ref in invoice.references if ref.doc_type == "sales_order"}
    return all(hub_id in referred for hub_id in hub_ids)

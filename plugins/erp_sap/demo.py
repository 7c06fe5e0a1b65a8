"""The erp_sap part of ``hub demo``: order to cash with the bundled ERP simulator.

Everything runs on this machine: the simulator is a real SOAP and IDoc-XML server on
127.0.0.1 and posts its IDocs to the hub's own HTTP server. The part initial-loads
customers and products, sends sales orders to the ERP over SOAP, makes the ERP fail for
one of them until the retries run out and its queue blocks (the others carry on), shows
``hub status``, fixes the cause and retries, waits for order confirmations (ORDRSP),
deliveries with tracking numbers (DESADV) and invoices (INVOIC02) to come back, has the
ERP report the stock of the ordered materials (LOISTD) and change one price (MATMAS),
and ends with a summary of what went where. It runs first, so the other plugins' parts
find the ERP's customers and products in the hub.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import click
from pydantic import SecretStr

from hub.api import BillingDocument, DemoStage, JsonValue, Product, SalesOrder, object_queue
from hub.testing.live import LiveHub
from plugins.erp_sap.acks import erp_number
from plugins.erp_sap.demo_report import collect_report, print_report
from plugins.erp_sap.settings import PLUGIN
from plugins.erp_sap.simulator.delivery import FollowupTarget
from plugins.erp_sap.simulator.masterdata import customer, product
from plugins.erp_sap.simulator.server import ErpSimulator

SEED = 7
ORDERS = 6
FAILING_ORDER = 2
"""Index of the order the ERP refuses until the administrator has fixed the cause."""
NEW_PRICE = Decimal("99.90")
"""The price the ERP changes one material to, sent again as MATMAS."""


@dataclass
class ErpDemo:
    """The part, its simulator started: the settings it gives the hub, then its run."""

    stage: DemoStage
    orders: int = ORDERS
    sim: ErpSimulator = field(init=False)
    settings: dict[str, object] = field(init=False)

    def __post_init__(self) -> None:
        records, work = self.stage.records, self.stage.work
        self.sim = ErpSimulator(port=0, seed=SEED, customer_count=records, product_count=records,
                                username=self.stage.username, password=SecretStr(self.stage.password))
        self.sim.start()
        self.settings = {
            "order_channel": "soap", "username": self.stage.username, "password": self.stage.password,
            "wsdl": self.sim.wsdl_url, "endpoint": self.sim.endpoint_url, "timeout": 5.0,
            "idoc_url": self.sim.idoc_url, "inbound_dir": str(work / "in"), "outbound_dir": str(work / "out"),
            "definitions_dir": str(work / "idoc_definitions"),
            "masterdata_url": f"{self.sim.base_url}/sim/idocs/{{message_type}}?count={records}",
        }

    def run(self, hub: LiveHub) -> list[str]:
        """Order to cash; returns what did not happen."""
        started = time.monotonic()
        sim = self.sim
        sim.followups = FollowupTarget.parse(f"{hub.url}/{PLUGIN}/idoc", self.stage.username,
                                             SecretStr(self.stage.password))
        click.secho(f"ERP simulator at {sim.base_url}", fg="cyan")
        for name in ("customers", "products"):
            loaded = hub.load(PLUGIN, name)
            click.echo(f"initial load of {name}: {loaded.done} IDocs, {loaded.created} created, "
                       f"{loaded.failed} failed")
        records = self.stage.records
        customers = hub_ids(hub, "partner", [customer(i, SEED).number for i in range(min(10, records))])
        products = hub_ids(hub, "product", [product(i, SEED).number for i in range(min(20, records))])
        created = hub.upsert(make_orders(customers, products, self.orders))
        order_ids = [r.hub_id for r in created]
        failing = order_ids[FAILING_ORDER]
        sim.fail_next("http500", count=100, match=failing)
        click.echo(f"{len(order_ids)} sales orders taken; the ERP will fail for {failing} (HTTP 500)")
        blocked_queue = object_queue(PLUGIN, "sales_order", failing)
        hub.work_until(lambda: _invoiced(hub, order_ids) >= len(order_ids) - 1 and _blocked(hub, blocked_queue),
                       timeout=30)
        hub.admin("status")
        first = min(int(str(m["id"])) for m in _queue_messages(hub, blocked_queue))
        hub.admin("message", "show", str(first))
        click.secho("\nThe ERP team fixes the cause; the administrator retries the blocked queue.", fg="cyan")
        sim.clear_failures()
        hub.admin("retry", "--queue", blocked_queue)
        hub.work_until(lambda: _invoiced(hub, order_ids) >= len(order_ids), timeout=30)
        materials = sorted({item.material for order in sim.orders.values() for item in order.request.items})
        sim.report_stock(materials)
        changed = product(0, SEED)
        sim.change_price(changed.number, NEW_PRICE)
        hub.work_until(lambda: hub.count("stock_level") >= len(materials)
                       and _price(hub, changed.number) == NEW_PRICE, timeout=30)
        hub.work_until(lambda: False, timeout=1.0)  # deliver the last acknowledgements
        hub.admin("status")
        report = collect_report(hub, sim, order_ids, blocked_queue, time.monotonic() - started)
        report.price_change = f"material {erp_number(changed.number)} {changed.list_price} -> " \
                              f"{_price(hub, changed.number)} EUR"
        if _price(hub, changed.number) != NEW_PRICE:
            report.problems.append(f"the price change of material {erp_number(changed.number)} did not arrive")
        print_report(report)
        return report.problems

    def close(self) -> None:
        """Stop the simulator."""
        self.sim.stop()


def hub_ids(hub: LiveHub, object_type: str, numbers: list[str]) -> list[str]:
    """The hub ids of the ERP's ``numbers`` (loaded before) of ``object_type``."""
    with hub.context(PLUGIN).reading() as transaction:
        found = [transaction.find(object_type, erp_number(number)) for number in numbers]
    return [hub_id for hub_id in found if hub_id is not None]


def make_orders(customers: list[str], products: list[str], count: int) -> list[SalesOrder]:
    """Sales orders the CRM side takes: each for one customer (hub id), two products."""
    orders = []
    for n in range(count):
        sold_to = customers[n % len(customers)]
        items: list[dict[str, Any]] = []
        for k in range(2):
            items.append({"item_number": (k + 1) * 10, "product_hub_id": products[(n * 2 + k) % len(products)],
                          "quantity": {"value": str(k + 1 + n % 3), "unit": "PCE"},
                          "net_price": {"amount": f"{19 + 5 * k}.90", "currency": "EUR"}})
        orders.append(SalesOrder.model_validate({
            "order_type": "standard", "status": "open", "currency": "EUR", "order_date": date.today(),
            "customer_reference": f"DEMO-{n + 1:03d}", "sold_to_hub_id": sold_to,
            "partners": [{"function": "sold_to", "partner_hub_id": sold_to}], "items": items,
            "net_value": {"amount": str(sum(Decimal(i["net_price"]["amount"]) * Decimal(i["quantity"]["value"])
                                            for i in items)), "currency": "EUR"},
        }))
    return orders


def _invoiced(hub: LiveHub, order_ids: list[str]) -> int:
    """How many of ``order_ids`` an invoice from the ERP refers to."""
    wanted = set(order_ids)
    return len({ref.hub_id for invoice in hub.documents("billing_document") if isinstance(invoice, BillingDocument)
                for ref in invoice.references if ref.doc_type == "sales_order" and ref.hub_id in wanted})


def _price(hub: LiveHub, material: str) -> Decimal | None:
    """The first list price of the ERP's ``material`` in the hub."""
    with hub.context(PLUGIN).reading() as transaction:
        hub_id = transaction.find("product", erp_number(material))
        found = transaction.document(hub_id) if hub_id else None
    prices = found.list_prices if isinstance(found, Product) else []
    return prices[0].price.amount if prices else None


def _queue_messages(hub: LiveHub, queue: str) -> list[dict[str, JsonValue]]:
    listed = hub.cli_json("messages", "--queue", queue)
    return [m for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []


def _blocked(hub: LiveHub, queue: str) -> bool:
    return any(m.get("status") == "blocked" for m in _queue_messages(hub, queue))

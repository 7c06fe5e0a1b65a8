"""``hub demo``: order to cash with the bundled ERP simulator, end to end, for real.

Everything runs on this machine: the simulator is a real SOAP and IDoc-XML server on
127.0.0.1, the hub's own HTTP server receives the ERP's IDocs, the database is a fresh
SQLite file under ``var/demo/``. The demo initial-loads customers and products, sends
sales orders to the ERP over SOAP, makes the ERP fail for one of them until the retries
run out and its queue blocks (the others carry on), shows ``hub status``, fixes the
cause and retries, waits for order confirmations (ORDRSP) and invoices (INVOIC02) to
come back, and ends with a summary of what went where.
"""

from __future__ import annotations

import shutil
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from pydantic import SecretStr

from hub.api import ConfigError, JsonValue, Problem, SalesOrder, object_queue
from hub.testing.live import LiveHub
from plugins.erp_sap.acks import erp_number
from plugins.erp_sap.demo_report import DemoReport, collect_report, print_report
from plugins.erp_sap.settings import PLUGIN
from plugins.erp_sap.simulator.delivery import FollowupTarget
from plugins.erp_sap.simulator.masterdata import customer, product
from plugins.erp_sap.simulator.server import ErpSimulator

USER, PASSWORD = "erp-demo", "demo-only-secret"
SEED = 7
FAILING_ORDER = 2
"""Index of the order the ERP refuses until the administrator has fixed the cause."""
QUICK_RETRIES = {"retry": {"max_attempts": 3, "multiplier": 0.2, "min_wait": 0.2, "max_wait": 1.0},
                 "poll_interval": 0.05}


def demo_hub(work: Path, sim: ErpSimulator, records: int) -> LiveHub:
    """A hub on a fresh SQLite file, pointed at the simulator, with quick demo retries."""
    mappings = Path("mappings")
    if not mappings.is_dir():
        raise ConfigError([Problem("mappings", "run `hub demo` in the project folder (it needs mappings/)")])
    return LiveHub(work, {PLUGIN: {
        "order_channel": "soap", "username": USER, "password": PASSWORD, "wsdl": sim.wsdl_url,
        "endpoint": sim.endpoint_url, "timeout": 5.0, "idoc_url": sim.idoc_url,
        "inbound_dir": str(work / "erp_in"), "outbound_dir": str(work / "erp_out"),
        "definitions_dir": str(work / "idoc_definitions"),
        "masterdata_url": f"{sim.base_url}/sim/idocs/{{message_type}}?count={records}",
    }}, mappings_dir=mappings, username=USER, password=PASSWORD, queue=QUICK_RETRIES)


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


def _queue_messages(hub: LiveHub, queue: str) -> list[dict[str, JsonValue]]:
    listed = hub.cli_json("messages", "--queue", queue)
    return [m for m in listed if isinstance(m, dict)] if isinstance(listed, list) else []


def _blocked(hub: LiveHub, queue: str) -> bool:
    return any(m.get("status") == "blocked" for m in _queue_messages(hub, queue))


def run_demo(work: Path, records: int, orders: int) -> DemoReport:
    """The whole demo; returns what happened."""
    started = time.monotonic()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with ErpSimulator(port=0, seed=SEED, customer_count=records, product_count=records,
                      username=USER, password=SecretStr(PASSWORD)) as sim, demo_hub(work, sim, records) as hub:
        sim.followups = FollowupTarget.parse(f"{hub.url}/{PLUGIN}/idoc", USER, SecretStr(PASSWORD))
        click.secho(f"ERP simulator at {sim.base_url}, hub at {hub.url}", fg="cyan")
        for name in ("customers", "products"):
            loaded = hub.load(PLUGIN, name)
            click.echo(f"initial load of {name}: {loaded.done} IDocs, {loaded.created} created, "
                       f"{loaded.failed} failed")
        customers = hub_ids(hub, "partner", [customer(i, SEED).number for i in range(min(10, records))])
        products = hub_ids(hub, "product", [product(i, SEED).number for i in range(min(20, records))])
        created = hub.upsert(make_orders(customers, products, orders))
        order_ids = [r.hub_id for r in created]
        failing = order_ids[FAILING_ORDER]
        sim.fail_next("http500", count=100, match=failing)
        click.echo(f"{len(order_ids)} sales orders taken; the ERP will fail for {failing} (HTTP 500)")
        blocked_queue = object_queue(PLUGIN, "sales_order", failing)
        hub.work_until(lambda: hub.count("billing_document") >= len(order_ids) - 1 and _blocked(hub, blocked_queue),
                       timeout=30)
        hub.admin("status")
        first = min(int(str(m["id"])) for m in _queue_messages(hub, blocked_queue))
        hub.admin("message", "show", str(first))
        click.secho("\nThe ERP team fixes the cause; the administrator retries the blocked queue.", fg="cyan")
        sim.clear_failures()
        hub.admin("retry", "--queue", blocked_queue)
        hub.work_until(lambda: hub.count("billing_document") >= len(order_ids), timeout=30)
        hub.work_until(lambda: False, timeout=1.0)  # deliver the last acknowledgements
        hub.admin("status")
        return collect_report(hub, sim, order_ids, blocked_queue, time.monotonic() - started)


@click.command("demo")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("var/demo"),
              show_default=True, help="Fresh folder for the demo's database and files (emptied first).")
@click.option("--records", type=click.IntRange(20, 100_000), default=200, show_default=True,
              help="Customers and products the ERP holds and the hub loads.")
@click.option("--orders", type=click.IntRange(3, 1000), default=6, show_default=True)
def demo(workdir: Path, records: int, orders: int) -> None:
    """Order to cash against the bundled ERP simulator, end to end (about a minute)."""
    report = run_demo(workdir, records, orders)
    print_report(report)
    if not report.ok:
        raise click.exceptions.Exit(1)

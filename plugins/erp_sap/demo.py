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
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import click
import sqlalchemy as sa
from pydantic import SecretStr

from hub.cli.main import build_cli
from hub.core.errors import ConfigError, Problem
from hub.core.masterdata import Incoming
from hub.core.model.sales import SalesOrder
from hub.core.queue.outbox import object_queue
from hub.core.queue.tables import QueueMessageRow, QueueStateRow
from hub.core.queue.worker import Worker
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate
from hub.core.store.tables import DocumentRow, KeyMapRow
from hub.http import serve
from plugins.erp_sap.demo_report import DemoReport, collect_report, print_report
from plugins.erp_sap.settings import PLUGIN
from plugins.erp_sap.simulator.delivery import FollowupTarget
from plugins.erp_sap.simulator.server import ErpSimulator

USER, PASSWORD = "erp-demo", "demo-only-secret"
FAILING_ORDER = 2
"""Index of the order the ERP refuses until the administrator has fixed the cause."""


def demo_settings(work: Path, sim: ErpSimulator, records: int) -> HubSettings:
    """A hub on a fresh SQLite file, pointed at the simulator, with quick demo retries."""
    mappings = Path("mappings")
    if not mappings.is_dir():
        raise ConfigError([Problem("mappings", "run `hub demo` in the project folder (it needs mappings/)")])
    return HubSettings(
        database_url=f"sqlite:///{work / 'hub.db'}",
        mappings_dir=mappings,
        http={"host": "127.0.0.1", "port": 0, "username": USER, "password": PASSWORD},
        queue={"retry": {"max_attempts": 3, "multiplier": 0.2, "min_wait": 0.2, "max_wait": 1.0},
               "poll_interval": 0.05},
        plugins={PLUGIN: {
            "order_channel": "soap", "username": USER, "password": PASSWORD, "wsdl": sim.wsdl_url, "endpoint": sim.endpoint_url, "timeout": 5.0,
            "idoc_url": sim.idoc_url, "inbound_dir": str(work / "erp_in"), "outbound_dir": str(work / "erp_out"),
            "definitions_dir": str(work / "idoc_definitions"),
            "masterdata_url": f"{sim.base_url}/sim/idocs/{{message_type}}?count={records}",
        }},
    )


def _external_ids(engine: sa.Engine, object_type: str, limit: int) -> list[tuple[str, str]]:
    km = KeyMapRow.__table__
    with engine.connect() as conn:
        rows = conn.execute(sa.select(km.c.hub_id, km.c.external_id).where(
            km.c.system == PLUGIN, km.c.object_type == object_type).order_by(km.c.external_id).limit(limit))
        return [(r.hub_id, r.external_id) for r in rows]


def make_orders(customers: list[tuple[str, str]], products: list[tuple[str, str]], count: int) -> list[SalesOrder]:
    """Sales orders the CRM side takes: each for one customer, two products."""
    orders = []
    for n in range(count):
        sold_to = customers[n % len(customers)][0]
        items = []
        for k in range(2):
            product = products[(n * 2 + k) % len(products)][0]
            items.append({"item_number": (k + 1) * 10, "product_hub_id": product,
                          "quantity": {"value": str(k + 1 + n % 3), "unit": "PCE"},
                          "net_price": {"amount": f"{19 + 5 * k}.90", "currency": "EUR"}})
        orders.append(SalesOrder(
            order_type="standard", status="open", currency="EUR", order_date=date.today(),
            customer_reference=f"DEMO-{n + 1:03d}", sold_to_hub_id=sold_to,
            partners=[{"function": "sold_to", "partner_hub_id": sold_to}], items=items,
            net_value={"amount": str(sum(Decimal(i["net_price"]["amount"]) * Decimal(i["quantity"]["value"])
                                         for i in items)), "currency": "EUR"},
        ))
    return orders


def work_until(runtime: HubRuntime, done: Callable[[], bool], timeout: float) -> bool:
    """Run a worker (in this process) until ``done()`` or ``timeout`` seconds passed."""
    worker = Worker(runtime, name="demo")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.run_until_idle()
        if done():
            return True
        time.sleep(0.1)
    return done()


def _first_message(engine: sa.Engine, queue: str) -> int:
    messages = QueueMessageRow.__table__
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.min(messages.c.id)).where(messages.c.queue == queue)).scalar_one()


def _blocked(engine: sa.Engine, queue: str) -> bool:
    state = QueueStateRow.__table__
    with engine.connect() as conn:
        return bool(conn.execute(sa.select(state.c.blocked).where(state.c.name == queue)).scalar())


def _count(engine: sa.Engine, doc_type: str) -> int:
    docs = DocumentRow.__table__
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).where(docs.c.doc_type == doc_type)).scalar_one()


def _admin(runtime: HubRuntime, *args: str) -> None:
    """Run one `hub` admin command against the demo hub and show it as typed."""
    click.secho(f"\n$ hub {' '.join(args)}", bold=True)
    build_cli(runtime).main(list(args), prog_name="hub", obj=runtime, standalone_mode=False)


def run_demo(work: Path, records: int, orders: int) -> DemoReport:
    """The whole demo; returns what happened."""
    started = time.monotonic()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with ErpSimulator(port=0, seed=7, customer_count=records, product_count=records,
                      username=USER, password=SecretStr(PASSWORD)) as sim:
        runtime = HubRuntime(demo_settings(work, sim, records))
        migrate.upgrade(runtime.engine)
        runtime.mappings  # noqa: B018 -- compile every table now: a broken one stops the demo here
        server = serve(runtime)
        try:
            sim.followups = FollowupTarget.parse(f"{server.url}/{PLUGIN}/idoc", USER, SecretStr(PASSWORD))
            click.secho(f"ERP simulator at {sim.base_url}, hub at {server.url}", fg="cyan")
            for name in ("customers", "products"):
                spec, job = runtime.initial_load(PLUGIN, name)
                opened = spec.open(runtime, None)
                loaded = job.run(opened.documents, opened.source, opened.key)
                click.echo(f"initial load of {name}: {loaded.done} IDocs, {loaded.created} created, "
                           f"{loaded.failed} failed")
            sales_orders = make_orders(_external_ids(runtime.engine, "partner", 10),
                                       _external_ids(runtime.engine, "product", 20), orders)
            created = runtime.masterdata().upsert_many([Incoming(o, "hub") for o in sales_orders])
            hub_ids = [r.hub_id for r in created]
            failing = hub_ids[FAILING_ORDER]
            sim.fail_next("http500", count=100, match=failing)
            click.echo(f"{len(hub_ids)} sales orders taken; the ERP will fail for {failing} (HTTP 500)")
            blocked_queue = object_queue(PLUGIN, "sales_order", failing)
            others_done = lambda: (_count(runtime.engine, "billing_document") >= len(hub_ids) - 1  # noqa: E731
                                   and _blocked(runtime.engine, blocked_queue))
            work_until(runtime, others_done, timeout=30)
            _admin(runtime, "status")
            _admin(runtime, "message", "show", str(_first_message(runtime.engine, blocked_queue)))
            click.secho("\nThe ERP team fixes the cause; the administrator retries the blocked queue.", fg="cyan")
            sim.clear_failures()
            _admin(runtime, "retry", "--queue", blocked_queue)
            all_done = lambda: _count(runtime.engine, "billing_document") >= len(hub_ids)  # noqa: E731
            work_until(runtime, all_done, timeout=30)
            work_until(runtime, lambda: False, timeout=1.0)  # deliver the last acknowledgements
            _admin(runtime, "status")
            return collect_report(runtime, sim, hub_ids, blocked_queue, time.monotonic() - started)
        finally:
            server.stop()
            runtime.close()


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

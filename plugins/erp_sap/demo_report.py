"""What the demo shows at its end: where every order went and what came back."""

from __future__ import annotations

from dataclasses import dataclass, field

import click
import sqlalchemy as sa

from hub.cli.output import print_table
from hub.core.queue.tables import QueueMessageRow
from hub.core.runtime import HubRuntime
from hub.core.store import keymap
from hub.core.store.tables import DocumentRow, InboundPayloadRow
from plugins.erp_sap.settings import PLUGIN
from plugins.erp_sap.simulator.server import ErpSimulator


@dataclass
class OrderTrail:
    """One order's way: hub id, ERP number, message status, confirmation, invoice."""

    hub_id: str
    erp_number: str | None
    message_status: str | None
    was_blocked: bool
    order_status: str | None
    invoice_hub_id: str | None


@dataclass
class DemoReport:
    """Everything the summary prints, and whether the demo did what it promises."""

    seconds: float
    partners: int
    products: int
    orders: list[OrderTrail] = field(default_factory=list)
    inbound: dict[str, int] = field(default_factory=dict)
    acks_to_erp: int = 0
    blocked_queue: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every order in the ERP and invoiced, the blocked one recovered, nothing failed."""
        return not self.problems


def collect_report(runtime: HubRuntime, sim: ErpSimulator, hub_ids: list[str], blocked_queue: str,
                   seconds: float) -> DemoReport:
    """Read the hub's store (and the simulator's audit log) after the demo."""
    docs, messages = DocumentRow.__table__, QueueMessageRow.__table__
    inbound = InboundPayloadRow.__table__
    with runtime.engine.connect() as conn:
        counts = dict(conn.execute(sa.select(docs.c.doc_type, sa.func.count()).group_by(docs.c.doc_type)).all())
        invoices = {}
        for row in conn.execute(sa.select(docs.c.hub_id, docs.c.data).where(docs.c.doc_type == "billing_document")):
            for ref in row.data.get("references") or []:
                if ref.get("doc_type") == "sales_order" and ref.get("hub_id"):
                    invoices[ref["hub_id"]] = row.hub_id
        report = DemoReport(seconds, counts.get("partner", 0), counts.get("product", 0), blocked_queue=blocked_queue)
        for hub_id in hub_ids:
            message = conn.execute(sa.select(messages.c.status, messages.c.history).where(
                messages.c.hub_id == hub_id, messages.c.doc_type == "sales_order").order_by(messages.c.id)).first()
            order = conn.execute(sa.select(docs.c.data).where(docs.c.hub_id == hub_id)).scalar_one()
            report.orders.append(OrderTrail(
                hub_id, keymap.reverse_lookup(conn, PLUGIN, "sales_order", hub_id),
                message.status if message else None,
                bool(message) and any(h["status"] == "blocked" for h in message.history),
                order.get("status"), invoices.get(hub_id)))
        # The initial loads' DEBMAS and MATMAS are archived too; the port received the rest.
        report.inbound = dict(conn.execute(
            sa.select(inbound.c.document_kind, sa.func.count())
            .where(inbound.c.document_kind.not_in(("DEBMAS", "MATMAS"))).group_by(inbound.c.document_kind)).all())
    report.acks_to_erp = len(sim.audits)
    for trail in report.orders:
        if not trail.erp_number:
            report.problems.append(f"order {trail.hub_id} has no ERP number")
        if not trail.invoice_hub_id:
            report.problems.append(f"order {trail.hub_id} has no invoice linked")
    if not any(t.was_blocked for t in report.orders):
        report.problems.append("the injected failure did not block a queue")
    return report


def print_report(report: DemoReport) -> None:
    """The closing summary."""
    click.secho("\nWhat went where", bold=True)
    click.echo(f"ERP -> hub: {report.partners} customers and {report.products} products by initial load "
               f"(DEBMAS/MATMAS IDoc-XML)")
    print_table(
        ["sales order (hub)", "ERP number", "delivery", "was blocked", "status after ORDRSP", "invoice (hub)"],
        [(t.hub_id, t.erp_number, t.message_status, "yes" if t.was_blocked else "", t.order_status,
          t.invoice_hub_id) for t in report.orders],
        title="hub -> ERP over SOAP; ERP -> hub as ORDRSP and INVOIC02 IDocs",
    )
    click.echo("IDocs received by the hub's HTTP port: "
               + ", ".join(f"{n} {kind}" for kind, n in sorted(report.inbound.items())))
    click.echo(f"ALEAUD acknowledgements (status 53/51) the ERP received from the hub: {report.acks_to_erp}")
    click.echo(f"blocked and recovered: {report.blocked_queue}")
    for problem in report.problems:
        click.secho(f"PROBLEM: {problem}", fg="red")
    verdict = "demo complete" if report.ok else "demo FAILED"
    click.secho(f"{verdict} in {report.seconds:.1f} s", fg="green" if report.ok else "red", bold=True)

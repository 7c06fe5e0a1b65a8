"""What the demo shows at its end: where every order went and what came back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import click

from hub.api import BillingDocument, JsonValue, SalesOrder, object_queue, print_table
from hub.testing.live import LiveHub
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
    delivery_status: str | None = None
    tracking: str | None = None
    """Carrier and tracking number of the order's shipment."""


@dataclass
class DemoReport:
    """Everything the summary prints, and whether the demo did what it promises."""

    seconds: float
    partners: int
    products: int
    orders: list[OrderTrail] = field(default_factory=list)
    inbound: dict[str, int] = field(default_factory=dict)
    acks_to_erp: int = 0
    stock_levels: int = 0
    price_change: str = ""
    blocked_queue: str = ""
    problems: list[str] = field(default_factory=list)


def _objects(value: JsonValue) -> list[dict[str, JsonValue]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def collect_report(hub: LiveHub, sim: ErpSimulator, hub_ids: list[str], blocked_queue: str,
                   seconds: float) -> DemoReport:
    """Read what the hub holds (as an administrator's commands show it) and the
    simulator's audit log after the demo."""
    invoices = {ref.hub_id: invoice.hub_id for invoice in hub.documents("billing_document")
                if isinstance(invoice, BillingDocument)
                for ref in invoice.references if ref.doc_type == "sales_order" and ref.hub_id}
    report = DemoReport(seconds, hub.count("partner"), hub.count("product"), blocked_queue=blocked_queue)
    with hub.context(PLUGIN).reading() as transaction:
        for hub_id in hub_ids:
            listed = _objects(hub.cli_json("messages", "--queue", object_queue(PLUGIN, "sales_order", hub_id)))
            first = min(listed, key=lambda m: int(str(m["id"]))) if listed else None
            shown = hub.cli_json("message", "show", str(first["id"])) if first else None
            history = _objects(shown.get("history")) if isinstance(shown, dict) else []
            order = transaction.document(hub_id)
            assert isinstance(order, SalesOrder)
            shipment = order.shipments[0] if order.shipments else None
            report.orders.append(OrderTrail(
                hub_id, transaction.external_id("sales_order", hub_id),
                str(shown["status"]) if isinstance(shown, dict) else None,
                any(h.get("status") == "blocked" for h in history), str(order.status), invoices.get(hub_id),
                order.delivery_status,
                f"{shipment.carrier} {shipment.tracking_number}" if shipment is not None else None))
    report.stock_levels = hub.count("stock_level")
    # The initial loads' DEBMAS and MATMAS are archived too; the port received the rest.
    kinds = Counter(str(p["document_kind"]) for p in _objects(hub.cli_json("inbound", "list", "--limit", "1000000")))
    report.inbound = {kind: n for kind, n in kinds.items() if kind not in ("DEBMAS", "MATMAS")}
    report.acks_to_erp = len(sim.audits)
    for trail in report.orders:
        if not trail.erp_number:
            report.problems.append(f"order {trail.hub_id} has no ERP number")
        if not trail.invoice_hub_id:
            report.problems.append(f"order {trail.hub_id} has no invoice linked")
        if trail.delivery_status != "delivered" or not trail.tracking:
            report.problems.append(f"order {trail.hub_id} has no delivery with a tracking number")
    if not any(t.was_blocked for t in report.orders):
        report.problems.append("the injected failure did not block a queue")
    return report


def print_report(report: DemoReport) -> None:
    """The closing summary."""
    click.secho("\nWhat went where", bold=True)
    click.echo(f"ERP -> hub: {report.partners} customers and {report.products} products by initial load "
               f"(DEBMAS/MATMAS IDoc-XML)")
    print_table(
        ["sales order (hub)", "ERP number", "message", "was blocked", "status after ORDRSP", "shipped with",
         "invoice (hub)"],
        [(t.hub_id, t.erp_number, t.message_status, "yes" if t.was_blocked else "", t.order_status,
          t.tracking, t.invoice_hub_id) for t in report.orders],
        title="hub -> ERP over SOAP; ERP -> hub as ORDRSP, DESADV and INVOIC02 IDocs",
    )
    click.echo(f"stock levels reported by the ERP (LOISTD): {report.stock_levels}; price change (MATMAS): "
               f"{report.price_change}")
    click.echo("IDocs received by the hub's HTTP port: "
               + ", ".join(f"{n} {kind}" for kind, n in sorted(report.inbound.items())))
    click.echo(f"ALEAUD acknowledgements (status 53/51) the ERP received from the hub: {report.acks_to_erp}")
    click.echo(f"blocked and recovered: {report.blocked_queue}")
    click.echo(f"order to cash took {report.seconds:.1f} s")

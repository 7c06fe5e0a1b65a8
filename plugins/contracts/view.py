"""What ``hub contract show`` shows: the contract, its releases, its billing-plan dates
with their state and invoice, and where it stands toward each system."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hub.api import PluginTransaction, document_view
from plugins.contracts.tables import billing, plain, releases

CONTRACT_TYPES = ("sales_contract", "service_contract")


def contract_view(transaction: PluginTransaction, ident: str) -> dict[str, Any]:
    """The contract ``ident`` names (hub id, ``SYSTEM:ID`` or an id one system uses), JSON-ready."""
    conn = transaction.connection
    view = document_view(conn, ident, CONTRACT_TYPES).as_dict()
    hub_id = view["hub_id"]
    r = releases.c
    view["releases"] = [
        {"order_hub_id": row.order_hub_id, "order_version": row.order_version,
         "value": None if row.value is None else str(plain(row.value)), "quantities": row.quantities,
         "state": row.state, "reason": row.reason, "recorded_at": row.recorded_at.isoformat()}
        for row in conn.execute(sa.select(releases).where(r.contract_hub_id == hub_id)
                                .order_by(r.recorded_at, r.order_hub_id))]
    b = billing.c
    view["billing_plan"] = [
        {"item_number": row.item_number, "billing_date": row.billing_date.isoformat(),
         "period_start": row.period_start.isoformat(), "period_end": row.period_end.isoformat(),
         "amount": str(plain(row.amount)), "currency": row.currency, "state": row.state,
         "request_hub_id": row.request_hub_id,
         "requested_at": row.requested_at.isoformat() if row.requested_at else None,
         "usage_quantity": None if row.usage_quantity is None else str(plain(row.usage_quantity)),
         "invoice_hub_id": row.invoice_hub_id}
        for row in conn.execute(sa.select(billing).where(b.contract_hub_id == hub_id)
                                .order_by(b.billing_date, b.item_number))]
    return view

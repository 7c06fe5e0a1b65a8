"""The ERP's invoice for a billing-plan date, linked back to the contract and period.

The ERP bills a billing request and its invoice names the request (the sales order it
bills); the request is the claim row's ``request_hub_id``, so the row (contract, item,
billing date, period) is found exactly. An invoice that names the service contract
itself, without the request, is linked to that contract's oldest requested date billed
on or before the invoice's date. The row becomes ``billed`` with the invoice, and the
contract's billing-plan date is written back: ``billed`` with ``billing_document_hub_id``.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hub.api import (
    ApplyChange,
    BillingDocument,
    BillingPlanDate,
    CanonicalChange,
    Money,
    NotFoundError,
    PluginTransaction,
    ServiceContract,
    utcnow,
)
from plugins.contracts.settings import ContractsSettings
from plugins.contracts.tables import BILLED, REQUESTED, billing, plain
from plugins.contracts.writes import write_contracts


def _rows(conn: sa.Connection, invoice: BillingDocument) -> list[sa.Row]:
    c = billing.c
    columns = (c.contract_hub_id, c.item_number, c.billing_date, c.period_start, c.period_end, c.amount,
               c.currency, c.state, c.invoice_hub_id)
    ids = [r.hub_id for r in invoice.references if r.doc_type == "sales_order" and r.hub_id]
    ids += [i.reference.hub_id for i in invoice.items
            if i.reference is not None and i.reference.doc_type == "sales_order" and i.reference.hub_id]
    rows = list(conn.execute(sa.select(*columns).where(c.request_hub_id.in_(ids)))) if ids else []
    if rows:
        return rows
    for ref in invoice.references:
        if ref.doc_type == "service_contract" and ref.hub_id:
            row = conn.execute(sa.select(*columns).where(
                c.contract_hub_id == ref.hub_id, c.state == REQUESTED, c.billing_date <= invoice.billing_date)
                .order_by(c.billing_date).limit(1)).first()
            if row is not None:
                rows.append(row)
    return rows


def written_back(contract: ServiceContract, row: sa.Row, invoice_id: str) -> ServiceContract:
    """The contract with the billing-plan date of ``row`` billed by ``invoice_id``."""
    copy = contract.model_copy(deep=True)
    item = next((i for i in copy.items if i.item_number == row.item_number), None)
    if item is None or item.billing_plan is None:
        return copy
    plan = item.billing_plan
    entry = next((d for d in plan.dates if d.billing_date == row.billing_date), None)
    if entry is None:
        amount = Money(amount=plain(row.amount) or 0, currency=row.currency)
        entry = BillingPlanDate(billing_date=row.billing_date, period_start=row.period_start,
                                period_end=row.period_end, amount=amount)
        plan.dates.append(entry)
        plan.dates.sort(key=lambda d: d.billing_date)
    entry.billed = True
    entry.billing_document_hub_id = invoice_id
    return copy


def link_invoice(transaction: PluginTransaction, invoice: BillingDocument, settings: ContractsSettings,
                 today: dt.date) -> list[str]:
    """Mark the billing-plan dates ``invoice`` bills as billed; notes for the history."""
    assert invoice.hub_id is not None
    conn = transaction.connection
    notes = []
    for row in _rows(conn, invoice):
        if row.state == BILLED and row.invoice_hub_id == invoice.hub_id:
            continue
        c = billing.c
        conn.execute(sa.update(billing).where(
            c.contract_hub_id == row.contract_hub_id, c.item_number == row.item_number,
            c.billing_date == row.billing_date).values(state=BILLED, invoice_hub_id=invoice.hub_id,
                                                       billed_at=utcnow()))
        try:
            contract = transaction.document(row.contract_hub_id)
        except NotFoundError:
            continue
        if isinstance(contract, ServiceContract):
            updated = written_back(contract, row, invoice.hub_id)
            if updated.business_data() != contract.business_data():
                write_contracts(transaction, [updated], settings, today)
        notes.append(f"{row.contract_hub_id} item {row.item_number} period {row.period_start}..{row.period_end}"
                     f" billed by {invoice.hub_id}")
    return notes


def invoice_subscriber(settings: ContractsSettings) -> ApplyChange:
    """The subscription's apply function for billing documents."""

    def apply(transaction: PluginTransaction, change: CanonicalChange) -> str | None:
        invoice = change.document()
        assert isinstance(invoice, BillingDocument)
        return "; ".join(link_invoice(transaction, invoice, settings, utcnow().date())) or None

    return apply


"""Billing documents the ERP reports (INVOIC) move the sales orders they bill.

The INVOIC mapping table makes a ``billing_document`` (invoice, credit memo, debit
memo or cancellation) that names the order it bills in its references (header, E1EDK02
qualifier 002) and per item (E1EDP02); a cancellation names the document it cancels.
This listener, inside the transaction that posts it, links the billing document to
each order it concerns (the order's ``references`` gain it, so ``hub order show``
lists it) and sets what billing says of the order:

- ``status``: ``completed`` once every item's quantity is billed by invoices that are
  not cancelled; an order that was completed goes back to ``in_process`` when a
  cancellation takes back part of what was billed. Partly billed, it stays as it is
  (in process). A cancelled order keeps its status;
- ``payment_status``: ``paid`` when the order is fully billed and its invoices are
  paid or cleared, ``partially_paid`` when some of it is paid; nothing while the ERP
  reports no payment (a shop's own word, e.g. paid by card, stays).

Credit and debit memos are linked and shown, and move neither: they bill returns and
extra charges, not the order's quantities. Only ``references``, ``status`` and
``payment_status`` are written: the rest of the order keeps its sources.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TypeVar

from hub.api import (
    BillingDocument,
    BillingType,
    DocumentReference,
    NotFoundError,
    OrderPaymentStatus,
    OrderStatus,
    PaymentStatus,
    PluginTransaction,
    PostedChunk,
    SalesOrder,
)
from plugins.erp_sap.settings import PLUGIN

BILLING = "billing_document"
ORDER = "sales_order"
_WRITTEN = frozenset({"hub_id", "references", "status", "payment_status"})
_SETTLED = (PaymentStatus.paid, PaymentStatus.cleared)
_KEPT_STATUSES = (OrderStatus.cancelled,)
_T = TypeVar("_T", SalesOrder, BillingDocument)


def apply_billing(chunk: PostedChunk) -> None:
    """Link every billing document posted in ``chunk`` to its orders and move them."""
    for _raw, outcome in chunk.results:
        if outcome.doc_type == BILLING and outcome.status == "posted" and outcome.hub_id:
            billing = chunk.transaction.document(outcome.hub_id)
            if isinstance(billing, BillingDocument):
                bill_orders(chunk.transaction, billing)


def bill_orders(transaction: PluginTransaction, billing: BillingDocument) -> list[str]:
    """Record ``billing`` on each order it concerns; the hub ids of those orders."""
    orders = orders_of(transaction, billing)
    for order in orders:
        settle_order(transaction, order, billing)
    return [order.hub_id for order in orders if order.hub_id]


def orders_of(transaction: PluginTransaction, billing: BillingDocument) -> list[SalesOrder]:
    """The orders ``billing`` names (header and item references); for a cancellation
    that names none, the orders of the document it cancels."""
    references = [*billing.references, *(i.reference for i in billing.items if i.reference)]
    found: dict[str, SalesOrder] = {}
    for reference in references:
        order = _document(transaction, reference, SalesOrder)
        if order is not None and order.hub_id:
            found.setdefault(order.hub_id, order)
    if not found and billing.cancels is not None:
        cancelled = _document(transaction, billing.cancels, BillingDocument)
        if cancelled is not None:
            return orders_of(transaction, cancelled)
    return list(found.values())


def settle_order(transaction: PluginTransaction, order: SalesOrder, billing: BillingDocument | None = None) -> None:
    """Set ``order``'s billing links, status and payment status from its billing
    documents (``billing``, new or changed, among them)."""
    references = list(order.references)
    if billing is not None and not any(r.doc_type == BILLING and r.hub_id == billing.hub_id for r in references):
        references.append(DocumentReference(doc_type=BILLING, hub_id=billing.hub_id, external_system=PLUGIN,
                                            external_id=billing.external_id(PLUGIN)))
    documents = [d for d in (_document(transaction, r, BillingDocument) for r in references if r.doc_type == BILLING)
                 if d is not None]
    invoices = live_invoices(transaction, documents)
    fully = fully_billed(order, invoices)
    status = order.status
    if status not in _KEPT_STATUSES:
        if fully:
            status = OrderStatus.completed
        elif status is OrderStatus.completed:
            status = OrderStatus.in_process
    payment = payment_status(invoices, fully) or order.payment_status
    if references == order.references and status == order.status and payment == order.payment_status:
        return
    updated = SalesOrder.model_validate({**order.model_dump(), "references": references, "status": status,
                                         "payment_status": payment})
    transaction.upsert([SalesOrder.model_construct(_fields_set=set(_WRITTEN), **dict(updated))])


def live_invoices(transaction: PluginTransaction, documents: list[BillingDocument]) -> list[BillingDocument]:
    """The invoices among ``documents`` that no cancellation among them (or known to the
    hub) cancels."""
    cancelled: set[str] = set()
    for document in documents:
        if document.billing_type is BillingType.cancellation and document.cancels is not None:
            target = _document(transaction, document.cancels, BillingDocument)
            if target is not None and target.hub_id:
                cancelled.add(target.hub_id)
    return [d for d in documents if d.billing_type is BillingType.invoice and d.hub_id not in cancelled]


def billed_quantities(order: SalesOrder, invoices: list[BillingDocument]) -> dict[int, Decimal]:
    """Order item number -> quantity the invoices bill of it (in the item's unit).

    A billing item names the order item in its reference; one without a reference is
    taken for the order item of its own number (the ERP keeps the number the hub sent).
    """
    units = {item.item_number: item.quantity.unit for item in order.items}
    erp_number = order.external_id(PLUGIN)
    billed: dict[int, Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        for item in invoice.items:
            number = item.item_number
            reference = item.reference
            if reference is not None and reference.doc_type == ORDER:
                if reference.hub_id != order.hub_id and (erp_number is None or reference.external_id != erp_number):
                    continue
                number = reference.item_number or number
            if units.get(number) == item.quantity.unit:
                billed[number] += item.quantity.value
    return billed


def fully_billed(order: SalesOrder, invoices: list[BillingDocument]) -> bool:
    """Whether every item of ``order`` that is still to be delivered is billed in full."""
    items = [item for item in order.items if item.status not in ("cancelled", "rejected")]
    if not items or not invoices:
        return False
    billed = billed_quantities(order, invoices)
    return all(billed[item.item_number] >= item.quantity.value for item in items)


def payment_status(invoices: list[BillingDocument], fully: bool) -> OrderPaymentStatus | None:
    """What the ERP's payments say of the order, or None when it reports none yet."""
    gross = sum((i.gross_value.amount for i in invoices), Decimal(0))
    paid = sum((i.gross_value.amount if i.payment_status in _SETTLED else
                (i.paid_amount.amount if i.paid_amount else Decimal(0)) for i in invoices), Decimal(0))
    if paid <= 0:
        return None
    return OrderPaymentStatus.paid if fully and paid >= gross else OrderPaymentStatus.partially_paid


def _document(transaction: PluginTransaction, reference: DocumentReference, kind: type[_T]) -> _T | None:
    hub_id = reference.hub_id
    if hub_id is None and reference.external_id and reference.external_system:
        hub_id = transaction.find(reference.doc_type, reference.external_id, reference.external_system)
    if hub_id is None:
        return None
    try:
        document = transaction.document(hub_id)
    except NotFoundError:
        return None
    return document if isinstance(document, kind) else None

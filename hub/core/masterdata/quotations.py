"""Quotation to order: an accepted quotation becomes the sales order that follows from it.

However a quotation becomes ``accepted`` (``hub quotation accept ID``, or a quotation a
system sends already accepted), the same listener of the master-data service makes
its order, inside the transaction that records the acceptance: header, partners,
conditions and items copied, the order and each item referring to the quotation (and
its item), ``open``, dated today. The order is written from the hub (source ``hub``),
so it goes to every system that takes orders (the ERP) through the outbox, as any new
order does.

Exactly once: the order is recorded in the key map under ``hub`` /
``quotation:QUOTATION-ID``, whose unique key lets a second acceptance (again, from
another process, or the quotation sent once more) find the order made the first time
and change nothing; two acceptances racing on PostgreSQL meet at that key, and the
loser's transaction is refused rather than making a second order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from hub.core.errors import DocumentError
from hub.core.events import DocumentChange
from hub.core.masterdata.document_view import resolve_document
from hub.core.masterdata.links import ACCEPTED_FROM, accepted_key
from hub.core.masterdata.results import Incoming
from hub.core.masterdata.service import MasterDataService, load
from hub.core.model.base import DocumentReference, ExternalRef
from hub.core.model.sales import OrderStatus, Quotation, QuotationStatus, SalesItem, SalesOrder
from hub.core.store import keymap

SOURCE = "hub"
"""The source system of the orders made from quotations, and of acceptances made in the hub."""
ACCEPTABLE = (QuotationStatus.open, QuotationStatus.in_process, QuotationStatus.accepted)
"""Statuses a quotation may be accepted from (an accepted one again: nothing happens)."""
_MADE = "hub.quotations.made"
"""``Connection.info`` key of the orders the listener made in the open transaction."""


@dataclass(frozen=True)
class Acceptance:
    """The order of an accepted quotation, and whether this acceptance made it."""

    quotation_hub_id: str
    order_hub_id: str
    created: bool


def order_of(conn: sa.Connection, quotation_hub_id: str) -> str | None:
    """The hub id of the order made from quotation ``quotation_hub_id``, if any."""
    return keymap.lookup(conn, ACCEPTED_FROM, "sales_order", accepted_key(quotation_hub_id))


def order_from(quotation: Quotation, today: date) -> SalesOrder:
    """The sales order that follows from ``quotation``: its header, partners, conditions
    and items, referring to it (the order to the quotation, each item to its item)."""
    assert quotation.hub_id is not None, "a stored quotation has a hub id"
    reference = DocumentReference(doc_type="quotation", hub_id=quotation.hub_id)
    items = [SalesItem.model_validate({
        **item.model_dump(), "status": "open",
        "references": [*item.references, reference.model_copy(update={"item_number": item.item_number})]})
        for item in quotation.items]
    header = quotation.model_dump(include={
        "currency", "sold_to_hub_id", "sales_org", "distribution_channel", "division", "customer_reference",
        "payment_terms", "incoterms", "incoterms_location", "partners", "conditions", "net_value", "tax_amount",
        "gross_value"})
    return SalesOrder.model_validate({
        **header, "items": items, "references": [reference], "status": OrderStatus.open, "order_date": today,
        "external_ids": [ExternalRef(system=ACCEPTED_FROM, id=accepted_key(quotation.hub_id))]})


def make_order(conn: sa.Connection, service: MasterDataService, quotation: Quotation) -> Acceptance:
    """The order of accepted ``quotation``: the one made before, or a new one (noted on
    the connection while ``accept`` waits to know which it was)."""
    assert quotation.hub_id is not None, "a stored quotation has a hub id"
    made = order_of(conn, quotation.hub_id)
    if made is not None:
        return Acceptance(quotation.hub_id, made, False)
    [result] = service.upsert_in(conn, [Incoming(order_from(quotation, date.today()), SOURCE)])
    acceptance = Acceptance(quotation.hub_id, result.hub_id, True)
    noted = conn.info.get(_MADE)
    if noted is not None:
        noted[quotation.hub_id] = acceptance
    return acceptance


def accept(conn: sa.Connection, service: MasterDataService, quotation: Quotation) -> Acceptance:
    """Accept ``quotation`` in the caller's transaction: its status becomes ``accepted``
    and its order is made (by the listener, as for any acceptance). Refused with a
    DocumentError for a quotation that is rejected, cancelled, completed or expired."""
    where = f"quotation {quotation.hub_id}"
    assert quotation.hub_id is not None, "a stored quotation has a hub id"
    made = order_of(conn, quotation.hub_id)
    if made is not None:
        return Acceptance(quotation.hub_id, made, False)
    if quotation.status not in ACCEPTABLE:
        raise DocumentError(where, "status", f"a {quotation.status.value} quotation cannot be accepted")
    if quotation.valid_to is not None and quotation.valid_to < date.today():
        raise DocumentError(where, "valid_to", f"the quotation expired on {quotation.valid_to.isoformat()}")
    if quotation.status is QuotationStatus.accepted:
        return make_order(conn, service, quotation)
    accepted = Quotation.model_validate({**quotation.model_dump(), "status": QuotationStatus.accepted})
    conn.info[_MADE] = {}
    try:
        service.upsert_in(conn, [Incoming(Quotation.model_construct(_fields_set={"hub_id", "status"},
                                                                    **dict(accepted)), SOURCE)])
    finally:
        noted = conn.info.pop(_MADE)
    made_now = noted.get(quotation.hub_id)
    if made_now is not None:
        return made_now
    order = order_of(conn, quotation.hub_id)
    assert order is not None, "the quotation listener makes the order of an accepted quotation"
    return Acceptance(quotation.hub_id, order, False)


def accept_quotation(engine: sa.Engine, service: MasterDataService, ident: str) -> Acceptance:
    """Accept the quotation ``ident`` names (hub id, ``SYSTEM:ID``...) in a transaction of
    its own (see ``accept``). Two acceptances racing meet at the order's unique key: the
    one refused there is run again, and finds the order the other made."""
    for attempt in range(2):
        try:
            with engine.begin() as conn:
                quotation = load(conn, resolve_document(conn, ident, ["quotation"]))
                assert isinstance(quotation, Quotation), "resolve_document found a quotation"
                return accept(conn, service, quotation)
        except sa.exc.IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


class QuotationListener:
    """A master-data listener: each quotation that becomes (or arrives) ``accepted`` gets its order."""

    def __init__(self, service: MasterDataService) -> None:
        self._service = service

    def __call__(self, conn: sa.Connection, changes: Sequence[DocumentChange]) -> None:
        for change in changes:
            if change.doc_type == "quotation" and change.data.get("status") == QuotationStatus.accepted.value \
                    and (change.created or "status" in change.changes):
                quotation = Quotation.model_validate({**change.data, "hub_id": change.hub_id})
                make_order(conn, self._service, quotation)

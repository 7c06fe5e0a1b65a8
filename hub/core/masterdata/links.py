"""The documents one document is linked to, and where a billing document stands in payment.

An order names the quotation it follows from and the billing documents that bill it;
a billing document names its order and, for a cancellation, the document it cancels;
a quotation is followed by the order made when it was accepted. ``hub order show`` and
``hub invoice show`` list those links with each linked document's facts (type, status,
payment status, value), so an administrator sees the order to cash chain from either end.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from hub.core.errors import NotFoundError
from hub.core.masterdata.summary import summarise
from hub.core.model.billing import BillingDocument
from hub.core.store import documents as doc_store, keymap

LINK_FACTS = ("billing_type", "status", "payment_status", "gross_value", "net_value", "due_date")
"""Facts of a linked document shown beside the link, where it has them."""
ACCEPTED_FROM = "hub"
"""Key-map system under which the order made from an accepted quotation is recorded
(external id ``quotation:QUOTATION-HUB-ID``): the one order per quotation."""


def accepted_key(quotation_hub_id: str) -> str:
    """The key-map id of the order made from quotation ``quotation_hub_id``."""
    return f"quotation:{quotation_hub_id}"


def links_of(conn: sa.Connection, hub_id: str, doc_type: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every document ``data`` links to (``references``, ``cancels``) and, for a
    quotation, the order made from it; each with its facts, in the document's order."""
    found: list[tuple[str, dict[str, Any]]] = [("references", r) for r in data.get("references") or []
                                               if isinstance(r, dict)]
    if isinstance(data.get("cancels"), dict):
        found.append(("cancels", data["cancels"]))
    if doc_type == "quotation":
        order = keymap.lookup(conn, ACCEPTED_FROM, "sales_order", accepted_key(hub_id))
        if order is not None:
            found.append(("followed by", {"doc_type": "sales_order", "hub_id": order}))
    return [_link(conn, relation, reference) for relation, reference in found]


def _link(conn: sa.Connection, relation: str, reference: dict[str, Any]) -> dict[str, Any]:
    target = reference.get("hub_id")
    system, external = reference.get("external_system"), reference.get("external_id")
    if target is None and system and external:
        target = keymap.lookup(conn, system, reference.get("doc_type", ""), external)
    link = {"relation": relation, "doc_type": reference.get("doc_type"), "hub_id": target,
            "external_system": system, "external_id": external, "item_number": reference.get("item_number")}
    if target is None:
        return {**link, "known": False}
    try:
        stored = doc_store.get(conn, target)
    except NotFoundError:
        return {**link, "known": False}
    facts = summarise(stored.data)
    return {**link, "known": True, **{name: facts[name] for name in LINK_FACTS if name in facts}}


def payment_of(data: dict[str, Any], today: date) -> dict[str, Any]:
    """Where a billing document stands in payment: status, paid, open, due date, overdue."""
    billing = BillingDocument.model_validate(data)
    places = billing.gross_value.amount
    paid = billing.paid_amount.amount if billing.paid_amount else Decimal(0)
    return {"status": billing.payment_status.value,
            "paid": f"{paid.quantize(places)} {billing.currency}",
            "open": f"{billing.open_amount().amount.quantize(places)} {billing.currency}",
            "due_date": billing.due_date.isoformat() if billing.due_date else None,
            "overdue": billing.is_overdue(today)}

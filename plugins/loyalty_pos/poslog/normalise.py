"""One POSLog ``Transaction`` element into the transaction shape (``plugins.loyalty_pos.shape``).

Store systems write POSLog in dialects: 6.0 names the store ``BusinessUnit/UnitID``,
older versions ``RetailStoreID``; flags are attributes or child elements; some leave out
``BusinessDayDate`` or ``CurrencyCode``; very old files put the line items straight
under ``Transaction``. The normaliser reads every variant it knows and writes the one
shape the JSON API takes too, so a single mapping table maps both. It decides only
what the mapping engine cannot (which element a line item holds, signs, the sum of the
change given, the kind and status from flags); codes (tender types, units) pass through
as the POS wrote them, for the table's value lists.

A transaction it cannot read raises ``TransactionProblem`` naming the element and XML
line. ``identity`` reads only what names the transaction, so that even a transaction
that fails can be named in its error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from lxml import etree

from plugins.loyalty_pos.poslog import values
from plugins.loyalty_pos.poslog.elements import Dialect, Node, TransactionProblem
from plugins.loyalty_pos.poslog.lineitems import LineItems
from plugins.loyalty_pos.shape import receipt_key, spread_currency

_CANCELLED = {"canceled", "cancelled"}
_SUSPENDED = {"suspended", "suspendeddeleted"}
_VOIDED = {"voided", "postvoided"}
_NOT_ACTIONS = {"ReasonCode", "Reason", "OperatorID", "BeginDateTime", "EndDateTime", "SequenceNumber"}


@dataclass(frozen=True)
class Identity:
    """What names a transaction: store, workstation, business day, sequence number (any may
    be missing in a broken one)."""

    store: str | None
    workstation: str | None
    business_day: str | None
    sequence_number: str | None

    @property
    def key(self) -> str | None:
        """``STORE/WORKSTATION/DAY/NUMBER``, when all four are known."""
        if self.store is None or self.workstation is None or self.business_day is None \
                or self.sequence_number is None:
            return None
        return receipt_key(self.store, self.workstation, self.business_day, self.sequence_number)

    def label(self) -> str:
        """The key, or whatever parts of it were read."""
        return self.key or ("/".join(p or "?" for p in (self.store, self.workstation, self.business_day,
                                                       self.sequence_number)))


class Normaliser:
    """Reads the transactions of one POSLog document (one standard namespace)."""

    def __init__(self, namespace: str, zone: tzinfo, currency: str) -> None:
        self.dialect = Dialect(namespace)
        self.zone = zone
        self.currency = currency

    def identity(self, element: etree._Element) -> Identity:
        """The transaction's name as far as it can be read, never raising."""
        node = Node(self.dialect, element, "Transaction")
        try:
            day = self._business_day(node, self._ended(node))
        except TransactionProblem:
            day = None
        return Identity(_store(node), _workstation(node), day, _sequence(node))

    def transaction(self, element: etree._Element) -> tuple[Identity, dict[str, Any]]:
        """The transaction's identity and shape; raises TransactionProblem."""
        node = Node(self.dialect, element, "Transaction")
        ended = self._ended(node)
        identity = Identity(_store(node), _workstation(node), self._business_day(node, ended), _sequence(node))
        for value, name in ((identity.store, "BusinessUnit/UnitID (or RetailStoreID)"),
                            (identity.workstation, "WorkstationID"), (identity.sequence_number, "SequenceNumber")):
            if value is None:
                raise node.problem(f"{name} is missing")
        if ended is None:
            raise node.problem("EndDateTime is missing (nor is there a POSLogDateTime, ReceiptDateTime"
                               " or BeginDateTime to take instead)")
        started = node.typed("BeginDateTime", self._moment)
        shape: dict[str, Any] = {
            "store": identity.store, "workstation": identity.workstation,
            "sequence_number": identity.sequence_number, "business_day": identity.business_day,
            "type": "sale", "status": "completed", "training": _flag(node, "TrainingModeFlag"),
            "operator": node.text("OperatorID"),
            "started_at": None if started is None else started.isoformat(), "ended_at": ended.isoformat(),
            "currency": node.text("CurrencyCode") or self.currency,
            "lines": [], "tenders": [], "taxes": [], "discounts": [], "rewards": [], "extensions": {},
        }
        node.keep_extensions(shape["extensions"])
        self._body(node, shape)
        spread_currency(shape)
        return identity, shape

    def _moment(self, text: str) -> datetime:
        return values.moment(text, self.zone)

    def _ended(self, node: Node) -> datetime | None:
        """EndDateTime (the latest, when a POS writes several), else the transaction's
        POSLogDateTime, ReceiptDateTime or BeginDateTime."""
        ends = [node.typed_element(e, self._moment) for e in node.children("EndDateTime")]
        found = [e for e in ends if e is not None]
        if found:
            return max(found)
        for element in node.children("POSLogDateTime"):
            if element.get("TypeCode") in (None, "Transaction"):
                return node.typed_element(element, self._moment)
        body = node.child("RetailTransaction")
        receipt = body.typed("ReceiptDateTime", self._moment) if body is not None else None
        return receipt or node.typed("BeginDateTime", self._moment)

    def _business_day(self, node: Node, ended: datetime | None) -> str | None:
        """BusinessDayDate, else the local date the transaction ended."""
        day = node.typed("BusinessDayDate", values.day)
        if day is None and ended is not None:
            day = ended.astimezone(self.zone).date()
        return None if day is None else day.isoformat()

    def _body(self, node: Node, shape: dict[str, Any]) -> None:
        """What the transaction was: a retail transaction, a control transaction, or
        (very old files) line items straight under ``Transaction``."""
        body = node.child("RetailTransaction")
        if body is None and node.first("LineItem") is not None:
            body = node
        if body is not None:
            self._retail(node, body, shape)
            return
        for child in node.element:
            name = self.dialect.local(child)
            if name is not None and name.endswith("Transaction"):
                self._control(Node(self.dialect, child, f"Transaction/{name}"), name, shape)
                return
        raise node.problem("no RetailTransaction, ControlTransaction or other transaction in it")

    def _control(self, body: Node, name: str, shape: dict[str, Any]) -> None:
        """A control transaction: recorded with what it did (``NoSale`` is a no-sale)."""
        action = name
        if name == "ControlTransaction":
            action = next((local for local in map(self.dialect.local, body.element)
                           if local is not None and local not in _NOT_ACTIONS), None) \
                or body.text("ReasonCode") or name
        shape.update(type="no_sale" if action == "NoSale" else "control", total=Decimal(0),
                     control_action=None if action == "NoSale" else action)
        body.keep_extensions(shape["extensions"])

    def _retail(self, node: Node, body: Node, shape: dict[str, Any]) -> None:
        """A retail transaction: its line items, totals, kind and status."""
        if body is not node:
            body.keep_extensions(shape["extensions"])
        LineItems(body, shape).read()
        totals = {e.get("TotalType"): e for e in body.children("Total")}
        grand = totals.get("TransactionGrandAmount")
        total = None if grand is None else body.typed_element(grand, values.decimal, "Total[TransactionGrandAmount]")
        tax = totals.get("TransactionTaxAmount")
        if tax is not None:
            tax_total = body.typed_element(tax, values.decimal, "Total[TransactionTaxAmount]")
            shape["tax_total"] = None if tax_total is None else abs(tax_total)
        status = (body.element.get("TransactionStatus") or "").lower()
        if _flag(node, "CancelFlag") or status in _CANCELLED:
            shape["status"] = "cancelled"
        elif _flag(node, "SuspendedFlag") or _flag(node, "SuspendFlag") or status in _SUSPENDED:
            shape["status"] = "suspended"
        if total is None:
            if shape["status"] == "completed":
                raise body.problem("no Total with TotalType TransactionGrandAmount")
            total = Decimal(0)
        if _flag(node, "VoidFlag") or _flag(node, "VoidedFlag") or status in _VOIDED:
            shape["type"] = "void"
        elif total < 0 or (total == 0 and shape["lines"] and all(line["kind"] == "return" for line in shape["lines"])):
            shape["type"] = "return"
        shape["total"] = abs(total)


def _flag(node: Node, name: str) -> bool:
    """A flag of the transaction, as attribute (6.0) or child element (older files)."""
    return bool(node.attribute(name, values.flag) or node.typed(name, values.flag))


def _store(node: Node) -> str | None:
    """The store: the RetailStore unit among BusinessUnits (6.0), else the first, else RetailStoreID."""
    units = [Node(node.dialect, unit, "BusinessUnit") for unit in node.children("BusinessUnit")]
    for unit in units:
        found = unit.first("UnitID")
        if found is not None and found.get("TypeCode") == "RetailStore" and unit.text("UnitID"):
            return unit.text("UnitID")
    for unit in units:
        value = unit.text("UnitID")
        if value is not None:
            return value
    return node.text("RetailStoreID")


def _workstation(node: Node) -> str | None:
    return node.first_text("WorkstationID", "TillID")


def _sequence(node: Node) -> str | None:
    return node.first_text("SequenceNumber", "TransactionID")

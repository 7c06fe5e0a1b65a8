"""What the ERP simulator remembers: orders, number ranges and injected failures.

One lock guards everything, because the HTTP server's event loop, follow-up threads
and the test's own thread all touch the state. With a state file, every change is
written through (temp file + rename), so a restarted simulator keeps its numbers and
its orders, and a redelivered order still gets the number it got before.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any


class FailureMode(StrEnum):
    """How the simulator fails a call on request."""

    FAULT = "fault"
    """A SOAP StandardMessageFault (severity from the rule, ``temporary`` by default)."""
    TIMEOUT = "timeout"
    """Answer only after ``timeout_seconds`` (the order is still stored, as an ERP would)."""
    MALFORMED = "malformed"
    """HTTP 200 with a truncated, not well-formed SOAP envelope."""
    WRONG_STRUCTURE = "wrong_structure"
    """HTTP 200 with a well-formed envelope whose body is not the confirmation."""
    HTTP500 = "http500"
    """HTTP 500 with an HTML error page, as an SAP ICM sends when the backend is down."""


@dataclass
class FailureRule:
    """Fail the next ``count`` calls (whose buyer document id equals ``match``, if set)."""

    mode: FailureMode
    count: int = 1
    match: str | None = None
    severity: str = "temporary"


@dataclass(frozen=True)
class OrderItem:
    """One requested item, units in ISO codes as on the SOAP and IDoc interfaces."""

    item_id: str
    material: str
    quantity: Decimal
    unit: str
    price: Decimal | None = None
    currency: str | None = None
    contract: str | None = None
    """The sales contract the item calls off, by its ERP number (ORDERS05 E1EDP02 006)."""
    contract_item: str | None = None


@dataclass(frozen=True)
class OrderRequest:
    """A sales order as the ERP received it (from SOAP or an ORDERS05 IDoc)."""

    buyer_id: str
    sold_to: str
    sales_org: str
    distribution_channel: str
    division: str
    items: tuple[OrderItem, ...]
    ship_to: str | None = None
    buyer_note: str | None = None
    buyer_date: date | None = None
    requested_date: date | None = None
    currency: str | None = None
    order_type: str = "TA"
    reference: str | None = None
    """The order a returns order (type RE) refers to, by its ERP number."""


@dataclass(frozen=True)
class StoredOrder:
    """An order the ERP saved under its own number."""

    erp_id: str
    request: OrderRequest
    currency: str
    created_at: datetime
    source: str
    inbound_docnum: str | None = None


def _order_to_json(order: StoredOrder) -> dict[str, Any]:
    return json.loads(json.dumps(asdict(order), default=str))


def _order_from_json(data: dict[str, Any]) -> StoredOrder:
    req = dict(data["request"])
    req["items"] = tuple(
        OrderItem(
            item_id=i["item_id"], material=i["material"], quantity=Decimal(i["quantity"]),
            unit=i["unit"], price=None if i["price"] is None else Decimal(i["price"]),
            currency=i["currency"],
        )
        for i in req["items"]
    )
    for key in ("buyer_date", "requested_date"):
        req[key] = None if req[key] is None else date.fromisoformat(req[key])
    return StoredOrder(
        erp_id=data["erp_id"], request=OrderRequest(**req), currency=data["currency"],
        created_at=datetime.fromisoformat(data["created_at"]), source=data["source"],
        inbound_docnum=data["inbound_docnum"],
    )


@dataclass
class _Counters:
    order: int = 0
    docnum: int = 1_000_000_000
    """IDocs the ERP sends on its own (follow-ups, re-sent materials, stock reports) are
    numbered above the master-data extracts (numbered by record, up to 10,000,000), so a
    re-sent material is never taken for a changed copy of an extract's IDoc."""
    invoice: int = 90000000
    delivery: int = 80000000


@dataclass
class SimulatorState:
    """Orders by ERP number and buyer document id, number ranges and failure rules."""

    state_file: Path | None = None
    orders: dict[str, StoredOrder] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    """ERP numbers of orders whose items were all rejected (ORDCHG)."""
    _by_buyer: dict[str, str] = field(default_factory=dict)
    _counters: _Counters = field(default_factory=_Counters)
    _rules: list[FailureRule] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        if self.state_file is not None and self.state_file.exists():
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
            self._counters = _Counters(**data["counters"])
            self.cancelled = set(data.get("cancelled", []))
            for raw in data["orders"]:
                order = _order_from_json(raw)
                self.orders[order.erp_id] = order
                self._by_buyer[order.request.buyer_id] = order.erp_id

    def store(
        self, request: OrderRequest, currency: str, source: str, inbound_docnum: str | None = None
    ) -> tuple[StoredOrder, bool]:
        """Save ``request`` under the next ERP number; ``(order, False)`` if its buyer id is known."""
        with self._lock:
            known = self._by_buyer.get(request.buyer_id)
            if known is not None:
                return self.orders[known], False
            self._counters.order += 1
            order = StoredOrder(
                erp_id=f"{self._counters.order:010d}", request=request, currency=currency,
                created_at=datetime.now(UTC), source=source, inbound_docnum=inbound_docnum,
            )
            self.orders[order.erp_id] = order
            self._by_buyer[request.buyer_id] = order.erp_id
            self._save()
            return order, True

    def cancel(self, erp_id: str) -> bool:
        """Reject every item of order ``erp_id``; False when they were rejected before."""
        with self._lock:
            if erp_id in self.cancelled:
                return False
            self.cancelled.add(erp_id)
            self._save()
            return True

    def snapshot(self) -> dict[str, StoredOrder]:
        """A copy of the orders by ERP number."""
        with self._lock:
            return dict(self.orders)

    def order_for_buyer(self, buyer_id: str) -> StoredOrder | None:
        """The order saved for buyer document ``buyer_id``, if any."""
        with self._lock:
            erp_id = self._by_buyer.get(buyer_id)
            return None if erp_id is None else self.orders[erp_id]

    def next_docnum(self) -> str:
        """The next outbound IDoc number (16 digits)."""
        with self._lock:
            self._counters.docnum += 1
            self._save()
            return f"{self._counters.docnum:016d}"

    def next_invoice(self) -> str:
        """The next billing document number (SAP's 9000000x range)."""
        with self._lock:
            self._counters.invoice += 1
            self._save()
            return f"{self._counters.invoice:010d}"

    def next_delivery(self) -> str:
        """The next outbound delivery number (SAP's 8000000x range)."""
        with self._lock:
            self._counters.delivery += 1
            self._save()
            return f"{self._counters.delivery:010d}"

    def add_rule(self, rule: FailureRule) -> None:
        """Queue a failure rule; rules are used first come, first served."""
        if rule.count < 1:
            raise ValueError(f"failure count must be at least 1, got {rule.count}")
        with self._lock:
            self._rules.append(rule)

    def take_rule(self, buyer_id: str | None) -> FailureRule | None:
        """Consume one use of the first rule that applies to a call for ``buyer_id``."""
        with self._lock:
            for rule in self._rules:
                if rule.match is None or rule.match == buyer_id:
                    rule.count -= 1
                    if rule.count == 0:
                        self._rules.remove(rule)
                    return rule
            return None

    def rules(self) -> list[FailureRule]:
        """A copy of the pending failure rules."""
        with self._lock:
            return [FailureRule(r.mode, r.count, r.match, r.severity) for r in self._rules]

    def clear_rules(self) -> None:
        """Forget all pending failure rules."""
        with self._lock:
            self._rules.clear()

    def _save(self) -> None:
        if self.state_file is None:
            return
        data = {
            "counters": asdict(self._counters),
            "orders": [_order_to_json(o) for o in self.orders.values()],
            "cancelled": sorted(self.cancelled),
        }
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.state_file.parent, prefix=".erp-sim-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        os.replace(tmp, self.state_file)

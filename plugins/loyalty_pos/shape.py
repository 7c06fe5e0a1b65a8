"""The transaction shape: one POS transaction as the JSON API takes it, and as the POSLog
codec hands every transaction it reads to the mapping table.

One shape for both means one mapping table (``mappings/transaction.yaml``) and one place
to change how a POS transaction becomes a canonical ``RetailTransaction``. The shape is
documented field by field in ``plugins/loyalty_pos/README.md``; in short::

    {"pos_transaction": 1, "store": "S042", "workstation": "03", "sequence_number": "815",
     "business_day": "2024-05-18", "type": "sale", "status": "completed", "training": false,
     "ended_at": "2024-05-18T11:42:07+02:00", "currency": "EUR",
     "lines": [{"line": 1, "kind": "sale", "item_id": "4006381333931", "quantity": "2",
                "unit_price": "24.90", "amount": "49.80"}],
     "tenders": [{"type": "cash", "amount": "50.00"}], "change": "0.20", "total": "49.80",
     "loyalty_card": "9276001234567890"}

Numbers are exact: JSON numbers are read as decimals, and strings are taken too.
"""

from __future__ import annotations

from typing import Any

SYSTEM = "loyalty_pos"
MARKER = "pos_transaction"
"""The key that marks a JSON document as one transaction of this shape; its value is the
shape's version (1)."""
POSLOG = "POSLog"
"""Message type of a transaction read from POSLog XML."""
JSON = "pos_transaction"
"""Message type of a transaction sent as JSON."""
REJECTED = "POSLog.rejected"
"""Message type of a POSLog transaction (or part of a file) that could not be read."""


def receipt_key(store: str, workstation: str, business_day: str, sequence_number: str) -> str:
    """``STORE/WORKSTATION/DAY/NUMBER``: a transaction's identity, its dedupe key and its
    id in the key map."""
    return f"{store}/{workstation}/{business_day}/{sequence_number}"


_PRICED = ("lines", "tenders", "taxes", "discounts", "rewards")


def spread_currency(shape: dict[str, Any]) -> None:
    """Give every line (with its discounts and taxes), tender, tax, discount and reward the
    transaction's currency where it names none: the mapping table's money rules read the
    currency beside each amount, as a table's paths cannot climb out of a repeating group."""
    currency = shape.get("currency")
    if not isinstance(currency, str):
        return
    for name in _PRICED:
        for part in _objects(shape.get(name)):
            part.setdefault("currency", currency)
            if name == "lines":
                for inner in ("discounts", "taxes"):
                    for item in _objects(part.get(inner)):
                        item.setdefault("currency", currency)


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

"""One line's worth of facts about any canonical document, for views that list many.

The 360-degree view shows a thousand documents of a dozen types; what an administrator
looks for in each is where it stands (status, payment status, delivery status, tier)
and how much it is worth, under whichever name its type gives them. Reading them from
the stored JSON by name keeps one code path for every type, a plugin's included.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

PLAIN_FIELDS = (
    "document_number", "transaction_number", "membership_number", "delivery_number", "billing_type",
    "transaction_type", "contract_kind", "kind", "status", "delivery_status", "payment_status", "tier_code",
    "store_id", "business_day", "due_date", "valid_from", "valid_to", "points", "point_type",
)
"""Fields shown as they are stored, in this order, where a document has them."""
MONEY_FIELDS = ("gross_value", "total", "net_value", "paid_amount", "target_value")
"""Amounts shown as ``AMOUNT CURRENCY``."""


FACT_FIELDS = (*PLAIN_FIELDS, *MONEY_FIELDS, "point_accounts")
"""Every top-level field ``summarise`` reads."""


def facts_column(data: sa.ColumnElement[Any], backend: str) -> sa.ColumnElement[Any]:
    """The values of ``FACT_FIELDS`` in a document's JSON ``data``, as one JSON array
    made by the database (``summarise_row`` reads it).

    A view of a thousand documents needs a few fields of each: parsing every whole
    document in Python took longer than all of the view's queries together, while the
    database extracts them in one pass over each document.
    """
    if backend == "sqlite":
        return sa.func.json_extract(data, *(f'$."{name}"' for name in FACT_FIELDS), type_=sa.JSON)
    return sa.func.jsonb_build_array(*(data.op("->")(name) for name in FACT_FIELDS), type_=JSONB)


def summarise_row(values: list[Any]) -> dict[str, str]:
    """``summarise`` of the document whose ``facts_column`` is ``values``."""
    return summarise(dict(zip(FACT_FIELDS, values, strict=True)))


def _money(value: Any) -> str | None:
    if isinstance(value, dict) and "amount" in value and "currency" in value:
        return f"{value['amount']} {value['currency']}"
    return None


def summarise(data: dict[str, Any]) -> dict[str, str]:
    """The facts of ``PLAIN_FIELDS`` and ``MONEY_FIELDS`` a document holds, as text,
    and each point account's balance (``points REWARD``) of a loyalty membership."""
    facts = {name: str(data[name]) for name in PLAIN_FIELDS
             if data.get(name) is not None and not isinstance(data[name], dict | list)}
    for name in MONEY_FIELDS:
        shown = _money(data.get(name))
        if shown is not None:
            facts[name] = shown
    for account in data.get("point_accounts") or ():
        if isinstance(account, dict) and "point_type" in account and "balance" in account:
            facts[f"points {account['point_type']}"] = str(account["balance"])
    return facts

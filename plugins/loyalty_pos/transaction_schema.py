"""The JSON transaction's types, checked field by field before the transaction is posted.

The mapping table refuses a wrong field too, but it stops at the first; a till sending
``POST /loyalty_pos/v1/transactions`` must learn every problem of its body at once
(422 with each field). This model states the shape of ``plugins/loyalty_pos/README.md``
(types only: what the numbers must add up to is the mapping's and the canonical
model's job). Numbers are exact: JSON numbers arrive as decimals, strings are taken too.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from plugins.loyalty_pos.problems import FieldIssue

Number = Decimal


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)


class _Discount(_Part):
    reason: str | None = None
    amount: Number
    coupon: str | None = None


class _Tax(_Part):
    code: str | None = None
    rate: Number | None = None
    amount: Number
    base: Number | None = None


class _Reference(_Part):
    store: str | None = None
    workstation: str | None = None
    business_day: date | None = None
    sequence_number: str | int
    line: int | None = None


class _Line(_Part):
    line: int = Field(gt=0)
    kind: Literal["sale", "return"] = "sale"
    item_id: str | int | None = None
    gtin: str | None = None
    quantity: Number
    unit_price: Number
    regular_unit_price: Number | None = None
    amount: Number
    discounts: list[_Discount] = Field(default_factory=list)
    taxes: list[_Tax] = Field(default_factory=list)
    voided: bool = False
    returned_from: _Reference | None = None


class _Tender(_Part):
    type: Literal["cash", "card", "voucher", "gift_card", "loyalty_points", "other"]
    amount: Number
    points: Number | None = None
    voided: bool = False


class _Reward(_Part):
    line: int = Field(gt=0)
    points: Number | None = None
    amount: Number | None = None


class JsonTransaction(_Part):
    """One transaction of the JSON shape (version 1)."""

    pos_transaction: Literal[1, "1"]
    store: str | int
    workstation: str | int
    sequence_number: str | int
    business_day: date
    type: Literal["sale", "return", "void", "no_sale", "control"] = "sale"
    status: Literal["completed", "cancelled", "suspended"] = "completed"
    training: bool = False
    ended_at: AwareDatetime
    started_at: AwareDatetime | None = None
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    total: Number
    tax_total: Number | None = None
    change: Number | None = None
    lines: list[_Line] = Field(default_factory=list)
    tenders: list[_Tender] = Field(default_factory=list)
    taxes: list[_Tax] = Field(default_factory=list)
    discounts: list[_Discount] = Field(default_factory=list)
    rewards: list[_Reward] = Field(default_factory=list)
    loyalty_card: str | int | None = None
    customer: str | int | None = None


def field_issues(body: object) -> list[FieldIssue]:
    """Every type problem of ``body`` as a JSON transaction (empty when it has none)."""
    try:
        JsonTransaction.model_validate(body)
    except ValidationError as exc:
        return [FieldIssue(".".join(str(part) for part in error["loc"]) or "(body)", error["msg"])
                for error in exc.errors()]
    return []

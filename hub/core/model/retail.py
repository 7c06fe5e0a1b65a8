"""Retail transactions from point-of-sale systems (ARTS POSLog or the till's JSON).

A transaction is identified by store, till, business day and transaction number.
Amounts are positive; a line's ``kind`` and the transaction's ``transaction_type``
give the direction (a return line gives money back).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field, model_validator

from hub.core.model.base import (
    CanonicalModel,
    CurrencyCode,
    Document,
    ExactDecimal,
    Money,
    Quantity,
    field_error,
)
from hub.core.model.checks import check_currency, check_not_negative, check_unique
from hub.core.model.sales import Tax

_SIGN_RULE = "amounts stay positive; the line kind gives the direction"


class RetailTransactionType(StrEnum):
    """What happened at the till."""

    sale = "sale"
    return_ = "return"
    void = "void"
    no_sale = "no_sale"


class LineKind(StrEnum):
    """A sold item or a returned item."""

    sale = "sale"
    return_ = "return"


class TenderKind(StrEnum):
    """How the customer paid (or was paid back)."""

    cash = "cash"
    card = "card"
    voucher = "voucher"
    gift_card = "gift_card"
    loyalty_points = "loyalty_points"
    other = "other"


class LineDiscount(CanonicalModel):
    """A discount on one line, e.g. from a promotion or a coupon."""

    reason: str = Field(min_length=1)
    amount: Money
    coupon_code: str | None = None


class RetailLine(CanonicalModel):
    """One line of the receipt: ``amount`` = quantity x unit price - discounts."""

    line_number: int = Field(gt=0)
    kind: LineKind = LineKind.sale
    product_hub_id: str | None = None
    product_external_id: str | None = Field(default=None, description="EAN/GTIN or item id as scanned.")
    product_group: str | None = None
    description: str | None = None
    quantity: Quantity
    unit_price: Money
    discounts: list[LineDiscount] = Field(default_factory=list)
    amount: Money
    taxes: list[Tax] = Field(default_factory=list)
    voided: bool = False

    @model_validator(mode="after")
    def _check_line(self) -> RetailLine:
        if self.quantity.value <= 0:
            raise field_error("quantity.value", f"must be positive ({_SIGN_RULE}), got {self.quantity.value}")
        if self.product_hub_id is None and self.product_external_id is None and not self.description:
            raise field_error("product_external_id", "a line needs a product id or a description")
        check_not_negative(self.unit_price, "unit_price", _SIGN_RULE)
        check_not_negative(self.amount, "amount", _SIGN_RULE)
        return self

    def signed_amount(self) -> Decimal:
        """The line's amount with the sign of its kind (returns negative); 0 if voided."""
        if self.voided:
            return Decimal(0)
        return self.amount.amount if self.kind is LineKind.sale else -self.amount.amount


class Tender(CanonicalModel):
    """One payment; ``points`` is set for loyalty-point tenders, ``card_masked`` for cards."""

    kind: TenderKind
    amount: Money
    points: ExactDecimal | None = Field(default=None, gt=0)
    card_brand: str | None = None
    card_masked: str | None = Field(default=None, pattern=r"^[0-9*\s]+$", description="e.g. ****1234")

    @model_validator(mode="after")
    def _check_points(self) -> Tender:
        if self.kind is TenderKind.loyalty_points and self.points is None:
            raise field_error("points", "a loyalty_points tender needs points")
        return self


class RetailTransaction(Document):
    """A POS transaction: store, till, business day, lines, tenders, loyalty card, customer.

    ``total`` is what changed hands (positive); for a sale the tenders minus
    ``change_given`` must equal it, for a return they are what was paid back.
    """

    doc_type: ClassVar[str] = "retail_transaction"
    id_prefix: ClassVar[str] = "rt"

    store_id: str = Field(min_length=1)
    till_id: str = Field(min_length=1)
    business_day: dt.date
    transaction_number: str = Field(min_length=1)
    transaction_type: RetailTransactionType = RetailTransactionType.sale
    operator_id: str | None = None
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime
    currency: CurrencyCode
    lines: list[RetailLine] = Field(default_factory=list)
    tenders: list[Tender] = Field(default_factory=list)
    total: Money
    tax_total: Money | None = None
    change_given: Money | None = None
    loyalty_card_number: str | None = None
    customer_hub_id: str | None = None
    membership_hub_id: str | None = None
    coupon_codes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_totals(self) -> RetailTransaction:
        check_unique((line.line_number for line in self.lines), "lines", "line_number")
        if self.started_at is not None and self.ended_at < self.started_at:
            raise field_error("ended_at", "the transaction ended before it started")
        for name in ("total", "tax_total", "change_given"):
            check_currency(getattr(self, name), self.currency, name)
            check_not_negative(getattr(self, name), name, _SIGN_RULE)
        for i, line in enumerate(self.lines):
            check_currency(line.unit_price, self.currency, f"lines.{i}.unit_price")
            check_currency(line.amount, self.currency, f"lines.{i}.amount")
            for j, discount in enumerate(line.discounts):
                check_currency(discount.amount, self.currency, f"lines.{i}.discounts.{j}.amount")
        for i, tender in enumerate(self.tenders):
            check_currency(tender.amount, self.currency, f"tenders.{i}.amount")
            check_not_negative(tender.amount, f"tenders.{i}.amount", _SIGN_RULE)
        if self.transaction_type in (RetailTransactionType.sale, RetailTransactionType.return_) and self.tenders:
            paid = sum((t.amount.amount for t in self.tenders), Decimal(0))
            change = self.change_given.amount if self.change_given else Decimal(0)
            if paid - change != self.total.amount:
                raise field_error("tenders",
                                  f"tenders {paid} minus change {change} do not make the total {self.total.amount}")
        return self

    def net_lines_amount(self) -> Decimal:
        """Sales minus returns over all lines not voided."""
        return sum((line.signed_amount() for line in self.lines), Decimal(0))

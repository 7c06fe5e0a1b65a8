"""Retail transactions from point-of-sale systems (ARTS POSLog or the till's JSON).

A transaction is identified by store, till, business day and transaction number.
Amounts are positive; a line's ``kind`` and the transaction's ``transaction_type``
give the direction (a return line gives money back).

Everything a till records is kept, also what must not earn points or reach the ERP:
training-mode, cancelled and suspended transactions, and control transactions
(sign-on, till open and close). ``counts()`` says whether a transaction is business.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field, model_validator

from hub.core.model.base import CanonicalModel, CurrencyCode, Document, ExactDecimal, Money, Quantity, field_error
from hub.core.model.checks import check_currency, check_not_negative, check_unique
from hub.core.model.sales import Tax

_SIGN_RULE = "amounts stay positive; the line kind gives the direction"


class RetailTransactionType(StrEnum):
    """What happened at the till."""

    sale = "sale"
    return_ = "return"
    void = "void"
    no_sale = "no_sale"
    control = "control"
    """Till and operator housekeeping (sign-on, till open or close, float): nothing is sold."""


class RetailTransactionStatus(StrEnum):
    """How the transaction ended at the till; only completed ones change anything."""

    completed = "completed"
    cancelled = "cancelled"
    """Abandoned before it was completed (ARTS ``CancelFlag``)."""
    suspended = "suspended"
    """Parked to be resumed; the resumed sale arrives as a transaction of its own."""


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


Extensions = dict[str, str]
"""What a POS sent beyond the standard, kept as sent: for POSLog, the Clark name of each
vendor element (``{namespace}Name``) -> its XML; for the till's JSON, its own keys."""


class ReceiptReference(CanonicalModel):
    """Another receipt as the POS names it, e.g. the sale a returned item was bought in.

    Only the transaction number is certain: a till that keys a receipt number may not
    know the till or day it came from.
    """

    store_id: str | None = Field(default=None, min_length=1)
    till_id: str | None = Field(default=None, min_length=1)
    business_day: dt.date | None = None
    transaction_number: str = Field(min_length=1)
    line_number: int | None = Field(default=None, gt=0)


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
    gtin: str | None = Field(default=None, pattern=r"^(\d{8}|\d{12,14})$",
                             description="The item's GTIN (EAN/UPC), when the POS names it apart from its item id.")
    product_group: str | None = None
    description: str | None = None
    quantity: Quantity
    regular_unit_price: Money | None = Field(default=None, description="The price before promotions and markdowns.")
    unit_price: Money = Field(description="The price actually charged per unit.")
    discounts: list[LineDiscount] = Field(default_factory=list)
    amount: Money
    taxes: list[Tax] = Field(default_factory=list)
    voided: bool = False
    returned_from: ReceiptReference | None = Field(
        default=None, description="For a return line: the receipt the item was sold on, when the till knows it.")
    extensions: Extensions = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_line(self) -> RetailLine:
        if self.quantity.value <= 0:
            raise field_error("quantity.value", f"must be positive ({_SIGN_RULE}), got {self.quantity.value}")
        if self.product_hub_id is None and self.product_external_id is None and self.gtin is None \
                and not self.description:
            raise field_error("product_external_id", "a line needs a product id, a GTIN or a description")
        check_not_negative(self.regular_unit_price, "regular_unit_price", _SIGN_RULE)
        check_not_negative(self.unit_price, "unit_price", _SIGN_RULE)
        check_not_negative(self.amount, "amount", _SIGN_RULE)
        if self.returned_from is not None and self.kind is not LineKind.return_:
            raise field_error("returned_from", "only a return line names the receipt it returns from")
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
    voided: bool = Field(default=False, description="Taken back at the till (a declined card): no money moved.")

    @model_validator(mode="after")
    def _check_points(self) -> Tender:
        if self.kind is TenderKind.loyalty_points and self.points is None:
            raise field_error("points", "a loyalty_points tender needs points")
        return self


class RetailReward(CanonicalModel):
    """A loyalty reward the POS recorded on the receipt (ARTS ``LoyaltyReward``): points it
    awarded or a promotion it granted, as the POS's own loyalty logic saw it."""

    line_number: int = Field(gt=0)
    promotion_id: str | None = None
    reason: str | None = None
    points: ExactDecimal | None = Field(default=None, ge=0)
    amount: Money | None = None

    @model_validator(mode="after")
    def _check_reward(self) -> RetailReward:
        if self.promotion_id is None and self.points is None and self.amount is None:
            raise field_error("promotion_id", "a reward line needs a promotion, points or an amount")
        check_not_negative(self.amount, "amount", _SIGN_RULE)
        return self


class RetailTransaction(Document):
    """A POS transaction: store, till, business day, lines, tenders, loyalty card, customer.

    ``total`` is what changed hands (positive); for a completed sale the tenders (but
    voided ones) minus ``change_given`` must equal it, for a return they are what was
    paid back. ``taxes`` and ``discounts`` are those the POS recorded for the whole
    receipt (a tax line per rate, a receipt discount); ``rewards`` the loyalty rewards it
    granted itself.
    """

    doc_type: ClassVar[str] = "retail_transaction"
    id_prefix: ClassVar[str] = "rt"

    store_id: str = Field(min_length=1)
    till_id: str = Field(min_length=1)
    business_day: dt.date
    transaction_number: str = Field(min_length=1)
    transaction_type: RetailTransactionType = RetailTransactionType.sale
    status: RetailTransactionStatus = RetailTransactionStatus.completed
    training: bool = Field(default=False, description="Rung up in training mode: kept, never counted.")
    control_action: str | None = Field(
        default=None, min_length=1,
        description="What a control transaction did, as the POS names it (OperatorSignOn, TillOpen...).")
    operator_id: str | None = None
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime
    currency: CurrencyCode
    lines: list[RetailLine] = Field(default_factory=list)
    tenders: list[Tender] = Field(default_factory=list)
    total: Money
    tax_total: Money | None = None
    taxes: list[Tax] = Field(default_factory=list)
    discounts: list[LineDiscount] = Field(default_factory=list)
    change_given: Money | None = None
    loyalty_card_number: str | None = None
    customer_external_id: str | None = Field(default=None, description="The customer's number as the POS knows it.")
    customer_hub_id: str | None = None
    membership_hub_id: str | None = None
    coupon_codes: list[str] = Field(default_factory=list)
    rewards: list[RetailReward] = Field(default_factory=list)
    extensions: Extensions = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_totals(self) -> RetailTransaction:
        check_unique((line.line_number for line in self.lines), "lines", "line_number")
        check_unique((reward.line_number for reward in self.rewards), "rewards", "line_number")
        if self.started_at is not None and self.ended_at < self.started_at:
            raise field_error("ended_at", "the transaction ended before it started")
        self._check_control()
        self._check_currencies()
        if self.transaction_type in (RetailTransactionType.sale, RetailTransactionType.return_) \
                and self.status is RetailTransactionStatus.completed and self.tenders:
            paid = sum((t.amount.amount for t in self.tenders if not t.voided), Decimal(0))
            change = self.change_given.amount if self.change_given else Decimal(0)
            if paid - change != self.total.amount:
                raise field_error("tenders",
                                  f"tenders {paid} minus change {change} do not make the total {self.total.amount}")
        return self

    def _check_control(self) -> None:
        if self.transaction_type is RetailTransactionType.control:
            if self.control_action is None:
                raise field_error("control_action", "a control transaction names what it did")
            if self.lines:
                raise field_error("lines", "a control transaction sells nothing")
        elif self.control_action is not None:
            raise field_error("control_action", "only a control transaction has a control action")

    def _check_currencies(self) -> None:
        for name in ("total", "tax_total", "change_given"):
            check_currency(getattr(self, name), self.currency, name)
            check_not_negative(getattr(self, name), name, _SIGN_RULE)
        for i, line in enumerate(self.lines):
            check_currency(line.regular_unit_price, self.currency, f"lines.{i}.regular_unit_price")
            check_currency(line.unit_price, self.currency, f"lines.{i}.unit_price")
            check_currency(line.amount, self.currency, f"lines.{i}.amount")
            for j, discount in enumerate(line.discounts):
                check_currency(discount.amount, self.currency, f"lines.{i}.discounts.{j}.amount")
        for i, tender in enumerate(self.tenders):
            check_currency(tender.amount, self.currency, f"tenders.{i}.amount")
            check_not_negative(tender.amount, f"tenders.{i}.amount", _SIGN_RULE)
        for i, tax in enumerate(self.taxes):
            check_currency(tax.amount, self.currency, f"taxes.{i}.amount")
            check_currency(tax.base, self.currency, f"taxes.{i}.base")
        for i, discount in enumerate(self.discounts):
            check_currency(discount.amount, self.currency, f"discounts.{i}.amount")
        for i, reward in enumerate(self.rewards):
            check_currency(reward.amount, self.currency, f"rewards.{i}.amount")

    def counts(self) -> bool:
        """Whether the transaction is business that earns points and goes to the ERP: a
        completed sale or return, not rung up in training mode."""
        return (not self.training and self.status is RetailTransactionStatus.completed
                and self.transaction_type in (RetailTransactionType.sale, RetailTransactionType.return_))

    def net_lines_amount(self) -> Decimal:
        """Sales minus returns over all lines not voided."""
        return sum((line.signed_amount() for line in self.lines), Decimal(0))

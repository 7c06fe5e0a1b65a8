"""Loyalty accounts: memberships (cards, tier, point accounts), point transactions, coupons.

The programme rules live in ``loyalty.py``; these documents hold what members own.
Point transactions carry signed points (credits positive, debits negative) so that an
account balance is simply their sum.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field, model_validator

from hub.core.model.base import CanonicalModel, Document, DocumentReference, ExactDecimal, Money, field_error
from hub.core.model.checks import check_period, check_unique


class MembershipStatus(StrEnum):
    """Whether a member can earn and burn points."""

    active = "active"
    suspended = "suspended"
    cancelled = "cancelled"


class CardStatus(StrEnum):
    """Status of one loyalty card; only ``active`` cards are accepted at a till."""

    active = "active"
    blocked = "blocked"
    lost = "lost"
    expired = "expired"
    replaced = "replaced"


class LoyaltyCard(CanonicalModel):
    """A physical or digital card identifying a membership at the till."""

    card_number: str = Field(min_length=1)
    status: CardStatus = CardStatus.active
    digital: bool = False
    issued_on: dt.date
    valid_to: dt.date | None = None


class PointLot(CanonicalModel):
    """Points that expire together on ``expires_on``."""

    points: ExactDecimal = Field(gt=0)
    expires_on: dt.date


class PointAccount(CanonicalModel):
    """A member's account for one point type: balance, totals and what expires when."""

    point_type: str = Field(min_length=1)
    balance: ExactDecimal
    earned_total: ExactDecimal = Field(default=Decimal(0), ge=0)
    redeemed_total: ExactDecimal = Field(default=Decimal(0), ge=0)
    expired_total: ExactDecimal = Field(default=Decimal(0), ge=0)
    expiring: list[PointLot] = Field(default_factory=list)


class LoyaltyMembership(Document):
    """A partner's membership in a programme, with cards, tier and point accounts."""

    doc_type: ClassVar[str] = "loyalty_membership"
    id_prefix: ClassVar[str] = "lm"

    programme_hub_id: str = Field(min_length=1)
    partner_hub_id: str = Field(min_length=1)
    membership_number: str | None = None
    status: MembershipStatus = MembershipStatus.active
    enrolled_on: dt.date
    left_on: dt.date | None = None
    tier_code: str | None = None
    tier_valid_to: dt.date | None = None
    cards: list[LoyaltyCard] = Field(default_factory=list)
    point_accounts: list[PointAccount] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_accounts(self) -> LoyaltyMembership:
        check_period(self.enrolled_on, self.left_on, "left_on")
        check_unique((c.card_number for c in self.cards), "cards", "card number")
        check_unique((a.point_type for a in self.point_accounts), "point_accounts", "point type")
        return self

    def card(self, card_number: str) -> LoyaltyCard | None:
        """The card ``card_number``, if it belongs to this membership."""
        return next((c for c in self.cards if c.card_number == card_number), None)

    def account(self, point_type: str) -> PointAccount | None:
        """The point account of ``point_type``, if the member has one."""
        return next((a for a in self.point_accounts if a.point_type == point_type), None)


class PointTransactionKind(StrEnum):
    """Why points moved; the kind fixes the sign of ``points``."""

    accrual = "accrual"
    redemption = "redemption"
    expiry = "expiry"
    adjustment = "adjustment"
    reversal = "reversal"


_SIGN = {
    PointTransactionKind.accrual: 1,
    PointTransactionKind.redemption: -1,
    PointTransactionKind.expiry: -1,
}


class PointTransaction(Document):
    """Points credited to or debited from one account of one membership.

    ``points`` is signed: accruals are positive, redemptions and expiries negative,
    adjustments and reversals either (never zero). A reversal names the transaction it
    undoes in ``reverses_hub_id``. ``partner_hub_id`` marks partner points.
    """

    doc_type: ClassVar[str] = "point_transaction"
    id_prefix: ClassVar[str] = "pt"

    membership_hub_id: str = Field(min_length=1)
    programme_hub_id: str = Field(min_length=1)
    point_type: str = Field(min_length=1)
    kind: PointTransactionKind
    points: ExactDecimal
    occurred_at: AwareDatetime
    card_number: str | None = None
    rule_code: str | None = None
    expires_on: dt.date | None = None
    basis_amount: Money | None = Field(default=None, description="The spend the points were earned on.")
    retail_transaction_hub_id: str | None = None
    partner_hub_id: str | None = None
    reverses_hub_id: str | None = None
    source: DocumentReference | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _check_sign(self) -> PointTransaction:
        if self.points == 0:
            raise field_error("points", "a point transaction must move points")
        sign = _SIGN.get(self.kind)
        if sign is not None and (self.points > 0) != (sign > 0):
            direction = "positive" if sign > 0 else "negative"
            raise field_error("points", f"{self.kind.value} points must be {direction}, got {self.points}")
        if self.kind is PointTransactionKind.reversal and self.reverses_hub_id is None:
            raise field_error("reverses_hub_id", "a reversal must name the transaction it reverses")
        if self.expires_on is not None and self.expires_on < self.occurred_at.date():
            raise field_error("expires_on", "points cannot expire before they were booked")
        return self


class CouponKind(StrEnum):
    """What a coupon gives."""

    amount_off = "amount_off"
    percent_off = "percent_off"
    free_product = "free_product"
    bonus_points = "bonus_points"


class CouponStatus(StrEnum):
    """Life-cycle status of a coupon."""

    issued = "issued"
    redeemed = "redeemed"
    expired = "expired"
    cancelled = "cancelled"


class CouponRedemption(CanonicalModel):
    """One use of a coupon, e.g. at a till."""

    redeemed_at: AwareDatetime
    store_id: str | None = None
    retail_transaction_hub_id: str | None = None


class Coupon(Document):
    """A coupon: amount or percent off, a free product, or bonus points; optionally
    personal (``partner_hub_id``) and bought with points (``points_cost``)."""

    doc_type: ClassVar[str] = "coupon"
    id_prefix: ClassVar[str] = "cp"

    code: str = Field(min_length=1)
    kind: CouponKind
    status: CouponStatus = CouponStatus.issued
    programme_hub_id: str | None = None
    campaign: str | None = None
    amount: Money | None = None
    percent: ExactDecimal | None = Field(default=None, gt=0, le=100)
    product_hub_id: str | None = None
    bonus_points: ExactDecimal | None = Field(default=None, gt=0)
    minimum_purchase: Money | None = None
    points_cost: ExactDecimal | None = Field(default=None, gt=0)
    partner_hub_id: str | None = None
    membership_hub_id: str | None = None
    valid_from: dt.date
    valid_to: dt.date
    max_redemptions: int = Field(default=1, gt=0)
    redemptions: list[CouponRedemption] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_kind(self) -> Coupon:
        needed = {
            CouponKind.amount_off: "amount",
            CouponKind.percent_off: "percent",
            CouponKind.free_product: "product_hub_id",
            CouponKind.bonus_points: "bonus_points",
        }[self.kind]
        if getattr(self, needed) is None:
            raise field_error(needed, f"a {self.kind.value} coupon needs {needed}")
        check_period(self.valid_from, self.valid_to, "valid_to")
        if len(self.redemptions) > self.max_redemptions:
            raise field_error("redemptions", f"{len(self.redemptions)} redemptions exceed"
                                             f" max_redemptions {self.max_redemptions}")
        if self.status is CouponStatus.redeemed and not self.redemptions:
            raise field_error("redemptions", "a redeemed coupon needs its redemption")
        return self

    def is_usable(self, day: dt.date) -> bool:
        """Whether the coupon can be redeemed on ``day``."""
        return (self.status is CouponStatus.issued and self.valid_from <= day <= self.valid_to
                and len(self.redemptions) < self.max_redemptions)

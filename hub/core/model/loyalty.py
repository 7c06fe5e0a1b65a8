"""Loyalty: programmes (point types, tiers, rules, partners), memberships, point
transactions and coupons.

Programme rules are data, not code: the loyalty engine reads accrual and redemption
rules, tier qualification and expiry policies from the programme document, so a
marketing change is a document update that replicates like any other.
"""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum
from typing import ClassVar

from pydantic import Field, model_validator

from hub.core.model.base import CanonicalModel, CurrencyCode, Document, ExactDecimal, Money, field_error
from hub.core.model.checks import check_currency, check_period, check_unique


class ProgrammeStatus(StrEnum):
    """Whether a programme accepts members and transactions."""

    draft = "draft"
    active = "active"
    closed = "closed"


class ExpiryKind(StrEnum):
    """How the expiry date of earned points is computed from the day they were earned."""

    never = "never"
    after_months = "after_months"
    end_of_month = "end_of_month"
    end_of_year = "end_of_year"


class ExpiryPolicy(CanonicalModel):
    """Point expiry: ``after_months`` = same day N months later; ``end_of_month`` = last
    day of the month N months later; ``end_of_year`` = 31 December of the year N months later.
    """

    kind: ExpiryKind = ExpiryKind.never
    months: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _needs_months(self) -> ExpiryPolicy:
        if self.kind is not ExpiryKind.never and self.months is None:
            raise field_error("months", f"expiry {self.kind.value} needs months")
        return self

    def expires_on(self, earned_on: dt.date) -> dt.date | None:
        """The last day points earned on ``earned_on`` can be used; None if they never expire."""
        if self.kind is ExpiryKind.never or self.months is None:
            return None
        month_index = earned_on.month - 1 + self.months
        year, month = earned_on.year + month_index // 12, month_index % 12 + 1
        last_day = calendar.monthrange(year, month)[1]
        if self.kind is ExpiryKind.after_months:
            return dt.date(year, month, min(earned_on.day, last_day))
        if self.kind is ExpiryKind.end_of_month:
            return dt.date(year, month, last_day)
        return dt.date(year, 12, 31)


class PointType(CanonicalModel):
    """A kind of points a programme keeps an account for (status points, reward points...)."""

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    redeemable: bool = True
    qualifying: bool = Field(default=False, description="Counts towards tier qualification.")
    expiry: ExpiryPolicy = Field(default_factory=ExpiryPolicy)


class QualificationRule(CanonicalModel):
    """Collect at least ``minimum`` points of ``point_type`` within ``period_months``."""

    point_type: str = Field(min_length=1)
    minimum: ExactDecimal = Field(ge=0)
    period_months: int = Field(default=12, gt=0)


class Tier(CanonicalModel):
    """A membership tier; higher ``rank`` is better; reached when all rules are met."""

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    rank: int = Field(ge=0)
    qualification: list[QualificationRule] = Field(default_factory=list)
    benefits: list[str] = Field(default_factory=list)


class AccrualBasis(StrEnum):
    """What an accrual rule awards points for."""

    amount_spent = "amount_spent"
    quantity = "quantity"
    event = "event"


class AccrualRule(CanonicalModel):
    """Award ``points`` of ``point_type`` per ``per_amount`` spent (or per unit, per event).

    Restrict by product group, products, tiers or dates; ``partner_hub_id`` marks a
    rule for points a programme partner awards (partner points). The amount is net:
    tax and shipping never earn; ``excluded_product_groups`` and
    ``excluded_product_hub_ids`` (hub ids, or the ids a till scans) earn nothing under
    the rule; below ``minimum_spend`` (of what the rule counts) the rule awards nothing.
    """

    code: str = Field(min_length=1)
    description: str | None = None
    point_type: str = Field(min_length=1)
    basis: AccrualBasis
    points: ExactDecimal = Field(gt=0)
    per_amount: Money | None = None
    product_groups: list[str] = Field(default_factory=list)
    product_hub_ids: list[str] = Field(default_factory=list)
    tier_codes: list[str] = Field(default_factory=list)
    excluded_product_groups: list[str] = Field(default_factory=list)
    excluded_product_hub_ids: list[str] = Field(default_factory=list)
    minimum_spend: Money | None = None
    partner_hub_id: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @model_validator(mode="after")
    def _check_basis(self) -> AccrualRule:
        if self.basis is AccrualBasis.amount_spent and self.per_amount is None:
            raise field_error("per_amount", "an amount_spent rule needs per_amount")
        check_period(self.valid_from, self.valid_to, "valid_to")
        return self


class PointMultiplier(CanonicalModel):
    """Multiply the points lines of some products or product groups earn (a promotion:
    double points on garden tools in May). Where several apply to a line, the largest wins."""

    code: str = Field(min_length=1)
    factor: ExactDecimal = Field(gt=0)
    product_groups: list[str] = Field(default_factory=list)
    product_hub_ids: list[str] = Field(default_factory=list)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @model_validator(mode="after")
    def _check_scope(self) -> PointMultiplier:
        if not self.product_groups and not self.product_hub_ids:
            raise field_error("product_groups", "a multiplier names product groups or products")
        check_period(self.valid_from, self.valid_to, "valid_to")
        return self


class RedemptionRule(CanonicalModel):
    """Spend ``points`` of ``point_type`` for ``value`` off a purchase (or a coupon)."""

    code: str = Field(min_length=1)
    description: str | None = None
    point_type: str = Field(min_length=1)
    points: ExactDecimal = Field(gt=0)
    value: Money
    minimum_points: ExactDecimal | None = Field(default=None, ge=0)


class ProgrammePartner(CanonicalModel):
    """A partner company that awards or accepts the programme's points."""

    partner_hub_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    point_type: str = Field(min_length=1)
    awards: bool = True
    accepts: bool = False


class LoyaltyProgramme(Document):
    """A loyalty programme: point types, tiers, accrual/redemption rules, partners."""

    doc_type: ClassVar[str] = "loyalty_programme"
    id_prefix: ClassVar[str] = "lp"

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    status: ProgrammeStatus = ProgrammeStatus.active
    currency: CurrencyCode
    valid_from: dt.date
    valid_to: dt.date | None = None
    point_types: list[PointType] = Field(min_length=1)
    tiers: list[Tier] = Field(default_factory=list)
    accrual_rules: list[AccrualRule] = Field(default_factory=list)
    redemption_rules: list[RedemptionRule] = Field(default_factory=list)
    multipliers: list[PointMultiplier] = Field(default_factory=list)
    partners: list[ProgrammePartner] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_references(self) -> LoyaltyProgramme:
        check_period(self.valid_from, self.valid_to, "valid_to")
        check_unique((p.code for p in self.point_types), "point_types", "point type")
        check_unique((t.code for t in self.tiers), "tiers", "tier")
        check_unique((t.rank for t in self.tiers), "tiers", "rank")
        check_unique((r.code for r in self.accrual_rules), "accrual_rules", "rule")
        check_unique((r.code for r in self.redemption_rules), "redemption_rules", "rule")
        check_unique((m.code for m in self.multipliers), "multipliers", "multiplier")
        types = {p.code for p in self.point_types}
        tiers = {t.code for t in self.tiers}
        used = [(f"tiers.{i}.qualification.{j}", q.point_type) for i, t in enumerate(self.tiers)
                for j, q in enumerate(t.qualification)]
        used += [(f"accrual_rules.{i}", r.point_type) for i, r in enumerate(self.accrual_rules)]
        used += [(f"redemption_rules.{i}", r.point_type) for i, r in enumerate(self.redemption_rules)]
        used += [(f"partners.{i}", p.point_type) for i, p in enumerate(self.partners)]
        for path, point_type in used:
            if point_type not in types:
                raise field_error(f"{path}.point_type", f"unknown point type {point_type!r}")
        for i, rule in enumerate(self.accrual_rules):
            check_currency(rule.per_amount, self.currency, f"accrual_rules.{i}.per_amount")
            check_currency(rule.minimum_spend, self.currency, f"accrual_rules.{i}.minimum_spend")
            for tier in rule.tier_codes:
                if tier not in tiers:
                    raise field_error(f"accrual_rules.{i}.tier_codes", f"unknown tier {tier!r}")
        for i, redemption in enumerate(self.redemption_rules):
            check_currency(redemption.value, self.currency, f"redemption_rules.{i}.value")
        return self

    def point_type(self, code: str) -> PointType | None:
        """The point type ``code``, if the programme has it."""
        return next((p for p in self.point_types if p.code == code), None)

    def tiers_by_rank(self) -> list[Tier]:
        """Tiers from the lowest to the highest rank."""
        return sorted(self.tiers, key=lambda t: t.rank)

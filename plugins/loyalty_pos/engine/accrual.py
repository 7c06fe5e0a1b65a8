"""What a purchase earns under a programme: pure computation, no database.

A purchase is a list of ``BasketLine``s (a till's sale lines, a web order's items) with
their net amount: tax is taken out (a line's own taxes where the till names them, else
the receipt's tax spread over its lines), shipping never is a line, voided lines are
left out by the caller. Each accrual rule valid on the day (and for the member's tier)
counts the lines it covers (its product groups or products, none excluded), awards
nothing below its minimum spend, and gives ``points`` per ``per_amount`` (or per unit,
or once per purchase); a line's points are multiplied by the largest multiplier valid
for it. Points are whole: each rule's total is rounded down. Each line's exact share
(in thousandths of a point) is kept, so that returning a line reverses what it earned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from hub.api import AccrualBasis, AccrualRule, LoyaltyProgramme, PointMultiplier

MILLIS = Decimal(1000)


@dataclass(frozen=True)
class BasketLine:
    """One line of a purchase: its number, the ids it goes by, its group, quantity and net amount."""

    number: int
    product_ids: frozenset[str]
    product_group: str | None
    quantity: Decimal
    net_amount: Decimal


@dataclass(frozen=True)
class Earning:
    """What one rule awards: whole points, and each line's exact share in thousandths."""

    rule: AccrualRule
    points: int
    basis: Decimal
    shares: dict[int, int] = field(default_factory=dict)


def _valid(start: dt.date | None, end: dt.date | None, day: dt.date) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def _covers(rule: AccrualRule, line: BasketLine) -> bool:
    if line.product_group is not None and line.product_group in rule.excluded_product_groups:
        return False
    if line.product_ids & set(rule.excluded_product_hub_ids):
        return False
    if not rule.product_groups and not rule.product_hub_ids:
        return True
    return line.product_group in rule.product_groups or bool(line.product_ids & set(rule.product_hub_ids))


def _factor(multipliers: Sequence[PointMultiplier], line: BasketLine, day: dt.date) -> Decimal:
    factors = [m.factor for m in multipliers if _valid(m.valid_from, m.valid_to, day)
               and (line.product_group in m.product_groups or bool(line.product_ids & set(m.product_hub_ids)))]
    return max(factors, default=Decimal(1))


def earn(programme: LoyaltyProgramme, lines: Sequence[BasketLine], day: dt.date,
         tier: str | None) -> list[Earning]:
    """What ``lines`` bought on ``day`` by a member of ``tier`` earn, one Earning per rule
    that awards anything."""
    if not _valid(programme.valid_from, programme.valid_to, day):
        return []
    earnings = []
    for rule in programme.accrual_rules:
        if rule.partner_hub_id is not None or not _valid(rule.valid_from, rule.valid_to, day):
            continue
        if rule.tier_codes and tier not in rule.tier_codes:
            continue
        covered = [line for line in lines if _covers(rule, line) and line.net_amount > 0]
        if not covered:
            continue
        basis = sum((line.net_amount for line in covered), Decimal(0))
        if rule.minimum_spend is not None and basis < rule.minimum_spend.amount:
            continue
        earning = _award(rule, covered, basis, programme.multipliers, day)
        if earning.points > 0:
            earnings.append(earning)
    return earnings


def _award(rule: AccrualRule, covered: list[BasketLine], basis: Decimal,
           multipliers: Sequence[PointMultiplier], day: dt.date) -> Earning:
    if rule.basis is AccrualBasis.event:
        return Earning(rule, int(rule.points), basis)
    shares: dict[int, int] = {}
    exact = Decimal(0)
    for line in covered:
        if rule.basis is AccrualBasis.amount_spent and rule.per_amount is not None:
            raw = line.net_amount / rule.per_amount.amount * rule.points
        else:
            raw = line.quantity * rule.points
        raw *= _factor(multipliers, line, day)
        exact += raw
        shares[line.number] = int((raw * MILLIS).to_integral_value(ROUND_DOWN))
    return Earning(rule, int(exact.to_integral_value(ROUND_DOWN)), basis, shares)

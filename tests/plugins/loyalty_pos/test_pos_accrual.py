"""What a purchase earns (``engine.accrual.earn``), rule by rule, without a database:
rule, multiplier and programme validity dates, product-level (hub id, item id, GTIN)
rules, multipliers and exclusions, per-unit and per-event rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.api import LoyaltyProgramme
from plugins.loyalty_pos.engine.accrual import BasketLine, earn

CLUB = Path(__file__).resolve().parents[3] / "plugins" / "loyalty_pos" / "programmes" / "club.yaml"
MAY = dt.date(2024, 5, 15)
GTIN = "4006381333931"


def _programme(rules: list[dict[str, Any]] | None = None, multipliers: list[dict[str, Any]] | None = None,
               **changes: Any) -> LoyaltyProgramme:
    """The example programme with these accrual rules (default: its own) and multipliers."""
    data = yaml.safe_load(CLUB.read_text(encoding="utf-8"))
    if rules is not None:
        data["accrual_rules"] = rules
    if multipliers is not None:
        data["multipliers"] = multipliers
    return LoyaltyProgramme.model_validate({**data, **changes})


def _euro_rule(code: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "point_type": "BONUS", "basis": "amount_spent", "points": 1,
            "per_amount": {"amount": "1.00", "currency": "EUR"}, **extra}


def _line(number: int, net: str, group: str | None = "TOOLS", ids: tuple[str, ...] = (),
          quantity: str = "1") -> BasketLine:
    return BasketLine(number, frozenset(ids or (f"A{number:04d}",)), group, Decimal(quantity), Decimal(net))


def _points(programme: LoyaltyProgramme, lines: list[BasketLine], day: dt.date = MAY,
            tier: str | None = None) -> dict[str, int]:
    return {e.rule.code: e.points for e in earn(programme, lines, day, tier)}


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2024, 4, 30), {"BASE": 10}), (dt.date(2024, 5, 1), {"BASE": 10, "MAY": 30}),
    (dt.date(2024, 5, 31), {"BASE": 10, "MAY": 30}), (dt.date(2024, 6, 1), {"BASE": 10}),
])
def test_a_rule_earns_from_its_valid_from_to_its_valid_to_inclusive(day: dt.date, expected: dict[str, int]) -> None:
    may = _euro_rule("MAY", points=3, valid_from="2024-05-01", valid_to="2024-05-31")
    programme = _programme([_euro_rule("BASE"), may])
    assert _points(programme, [_line(1, "10.00")], day) == expected


def test_nothing_earns_outside_the_programmes_own_dates() -> None:
    programme = _programme(valid_from="2024-02-01", valid_to="2024-12-31")
    assert _points(programme, [_line(1, "10.00")], dt.date(2024, 1, 31)) == {}
    assert _points(programme, [_line(1, "10.00")], dt.date(2024, 2, 1)) == {"BASE": 10}
    assert _points(programme, [_line(1, "10.00")], dt.date(2025, 1, 1)) == {}


@pytest.mark.parametrize("excluded", ["pr_01DRILL", "A0002", GTIN])
def test_a_product_excluded_by_hub_id_item_id_or_gtin_earns_nothing(excluded: str) -> None:
    programme = _programme([_euro_rule("BASE", excluded_product_hub_ids=[excluded])])
    drill = _line(2, "30.00", ids=("pr_01DRILL", "A0002", GTIN))
    earned = earn(programme, [_line(1, "10.00"), drill], MAY, None)
    assert [(e.points, e.basis, sorted(e.shares)) for e in earned] == [(10, Decimal("10.00"), [1])]


def test_an_excluded_product_group_earns_nothing_and_does_not_count_towards_the_minimum_spend() -> None:
    programme = _programme()  # BASE: GIFTCARD excluded, minimum spend 1.00
    assert _points(programme, [_line(1, "50.00", "GIFTCARD"), _line(2, "0.99")]) == {}
    assert _points(programme, [_line(1, "50.00", "GIFTCARD"), _line(2, "1.00")]) == {"BASE": 1}


def test_a_rule_for_some_products_counts_only_their_lines() -> None:
    rule = _euro_rule("PAINT", points=5, product_hub_ids=[GTIN], product_groups=["PAINT"])
    programme = _programme([rule])
    lines = [_line(1, "10.00", "TOOLS", ids=("A0001", GTIN)), _line(2, "4.00", "PAINT"), _line(3, "99.00")]
    earned = earn(programme, lines, MAY, None)
    assert [(e.points, e.basis, sorted(e.shares)) for e in earned] == [(70, Decimal("14.00"), [1, 2])]


def test_a_product_multiplier_counts_in_its_dates_and_the_largest_factor_wins() -> None:
    multipliers = [{"code": "HEAT-DOUBLE", "factor": 2, "product_groups": ["HEAT"]},
                   {"code": "STOVE-TRIPLE", "factor": 3, "product_hub_ids": [GTIN],
                    "valid_from": "2024-05-01", "valid_to": "2024-05-31"}]
    programme = _programme(multipliers=multipliers)
    stove = _line(1, "10.00", "HEAT", ids=("A0001", GTIN))
    plain = _line(2, "10.00")
    assert _points(programme, [stove, plain], dt.date(2024, 5, 31)) == {"BASE": 30 + 10}
    assert _points(programme, [stove, plain], dt.date(2024, 6, 1)) == {"BASE": 20 + 10}
    assert _points(programme, [stove, plain], dt.date(2024, 4, 30)) == {"BASE": 20 + 10}


def test_a_multiplier_by_item_id_applies_to_that_line_only() -> None:
    programme = _programme(multipliers=[{"code": "A2-FIVE", "factor": "2.5", "product_hub_ids": ["A0002"]}])
    earned = earn(programme, [_line(1, "10.00"), _line(2, "10.00")], MAY, None)
    assert [(e.points, e.shares) for e in earned] == [(35, {1: 10_000, 2: 25_000})]


def test_a_per_unit_rule_earns_per_unit_bought_with_its_multiplier() -> None:
    unit = {"code": "PER-TIN", "point_type": "BONUS", "basis": "quantity", "points": 5, "product_groups": ["PAINT"]}
    programme = _programme([unit], multipliers=[{"code": "X2", "factor": 2, "product_hub_ids": ["A0002"]}])
    lines = [_line(1, "30.00", "PAINT", quantity="3"), _line(2, "3.00", "PAINT", quantity="1.5"),
             _line(3, "80.00", "TOOLS", quantity="4")]
    earned = earn(programme, lines, MAY, None)
    assert [(e.points, e.shares) for e in earned] == [(15 + 15, {1: 15_000, 2: 15_000})]


def test_an_event_rule_earns_its_points_once_per_purchase_above_its_minimum_spend() -> None:
    visit = {"code": "VISIT", "point_type": "BONUS", "basis": "event", "points": 25,
             "minimum_spend": {"amount": "20.00", "currency": "EUR"}}
    programme = _programme([visit], multipliers=[{"code": "X3", "factor": 3, "product_groups": ["TOOLS"]}])
    earned = earn(programme, [_line(1, "15.00"), _line(2, "5.00"), _line(3, "40.00")], MAY, None)
    assert [(e.rule.code, e.points, e.basis, e.shares) for e in earned] == [("VISIT", 25, Decimal("60.00"), {})]
    assert _points(programme, [_line(1, "19.99")]) == {}


def test_a_line_that_is_free_or_negative_earns_nothing_and_counts_nothing() -> None:
    programme = _programme([{"code": "PER-UNIT", "point_type": "BONUS", "basis": "quantity", "points": 1}])
    assert _points(programme, [_line(1, "0.00", quantity="4"), _line(2, "-1.00")]) == {}

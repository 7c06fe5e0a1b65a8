"""Loyalty programmes, memberships, point transactions, coupons and POS transactions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from hub.core.model import ExpiryKind, ExpiryPolicy, validate_document
from hub.core.model.validation import InvalidDocumentError
from hub.testing.samples import coupon, loyalty_membership, loyalty_programme, point_transaction, retail_transaction


def _field(doc_type: str, data: dict[str, Any]) -> str:
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document(doc_type, data)
    return exc.value.field


@pytest.mark.parametrize(("kind", "months", "earned", "expected"), [
    (ExpiryKind.after_months, 12, date(2024, 2, 29), date(2025, 2, 28)),
    (ExpiryKind.after_months, 1, date(2024, 1, 31), date(2024, 2, 29)),
    (ExpiryKind.end_of_month, 3, date(2024, 11, 15), date(2025, 2, 28)),
    (ExpiryKind.end_of_year, 12, date(2024, 5, 18), date(2025, 12, 31)),
    (ExpiryKind.end_of_year, 1, date(2024, 5, 18), date(2024, 12, 31)),
])
def test_point_expiry_dates(kind: ExpiryKind, months: int, earned: date, expected: date) -> None:
    assert ExpiryPolicy(kind=kind, months=months).expires_on(earned) == expected


def test_points_that_never_expire_and_policies_without_months() -> None:
    assert ExpiryPolicy().expires_on(date(2024, 1, 1)) is None
    data = loyalty_programme().model_dump(mode="json")
    data["point_types"][0]["expiry"] = {"kind": "after_months"}
    assert _field("loyalty_programme", data) == "point_types.0.expiry.months"


def test_programme_rules_must_use_declared_point_types_and_tiers() -> None:
    programme = loyalty_programme()
    assert [t.code for t in programme.tiers_by_rank()] == ["SILVER", "GOLD"]
    assert programme.point_type("STATUS").qualifying
    data = programme.model_dump(mode="json")
    data["redemption_rules"][0]["point_type"] = "MILES"
    assert _field("loyalty_programme", data) == "redemption_rules.0.point_type"
    data = programme.model_dump(mode="json")
    data["accrual_rules"][1]["tier_codes"] = ["PLATINUM"]
    assert _field("loyalty_programme", data) == "accrual_rules.1.tier_codes"
    data = programme.model_dump(mode="json")
    data["tiers"][1]["rank"] = 1
    assert _field("loyalty_programme", data) == "tiers.1"
    data = programme.model_dump(mode="json")
    del data["accrual_rules"][0]["per_amount"]
    assert _field("loyalty_programme", data) == "accrual_rules.0.per_amount"


def test_membership_cards_and_accounts() -> None:
    membership = loyalty_membership()
    assert membership.card("9276001234567890").status == "active"
    assert membership.account("REWARD").balance == Decimal("1234.5")
    data = membership.model_dump(mode="json")
    data["cards"][1]["card_number"] = data["cards"][0]["card_number"]
    assert _field("loyalty_membership", data) == "cards.1"


@pytest.mark.parametrize(("kind", "points", "field"), [
    ("accrual", "-5", "points"), ("redemption", "500", "points"), ("expiry", "3", "points"),
    ("adjustment", "0", "points"), ("reversal", "-78", "reverses_hub_id"),
])
def test_point_transaction_sign_follows_kind(kind: str, points: str, field: str) -> None:
    data = point_transaction().model_dump(mode="json")
    data.update(kind=kind, points=points)
    assert _field("point_transaction", data) == field


def test_adjustments_go_either_way() -> None:
    assert point_transaction(kind="adjustment", points="-10").points == Decimal("-10")
    assert point_transaction(kind="reversal", points="-78", reverses_hub_id="pt_1").points < 0


def test_coupon_rules() -> None:
    assert coupon().is_usable(date(2024, 6, 1)) and not coupon().is_usable(date(2024, 8, 1))
    data = coupon().model_dump(mode="json")
    data.update(kind="percent_off")
    assert _field("coupon", data) == "percent"
    data = coupon().model_dump(mode="json")
    data["status"] = "redeemed"
    assert _field("coupon", data) == "redemptions"
    data["redemptions"] = [{"redeemed_at": "2024-05-18T11:42:07+02:00", "store_id": "S042"}] * 2
    assert _field("coupon", data) == "redemptions"


def test_retail_transaction_totals() -> None:
    sale = retail_transaction()
    assert sale.net_lines_amount() == sale.total.amount == Decimal("52.48")
    data = sale.model_dump(mode="json")
    data["tenders"][1]["amount"]["amount"] = "19.99"
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document("retail_transaction", data)
    assert exc.value.field == "tenders" and "52.48" in exc.value.reason


def test_retail_line_checks() -> None:
    data = retail_transaction().model_dump(mode="json")
    data["lines"][0]["quantity"]["value"] = "-2"
    assert _field("retail_transaction", data) == "lines.0.quantity.value"
    data = retail_transaction().model_dump(mode="json")
    data["lines"][1]["amount"]["currency"] = "CHF"
    assert _field("retail_transaction", data) == "lines.1.amount.currency"
    data = retail_transaction().model_dump(mode="json")
    data["tenders"].append({"kind": "loyalty_points", "amount": {"amount": "0", "currency": "EUR"}})
    assert _field("retail_transaction", data) == "tenders.2.points"


def test_return_line_counts_negative() -> None:
    data = retail_transaction().model_dump(mode="json")
    data["lines"][1]["kind"] = "return"
    data.update(tenders=[], change_given=None, total={"amount": "37.12", "currency": "EUR"})
    assert validate_document("retail_transaction", data).net_lines_amount() == Decimal("37.12")


def test_only_completed_business_counts() -> None:
    assert retail_transaction().counts()
    assert not retail_transaction(training=True).counts()
    data = retail_transaction().model_dump(mode="json")
    data["tenders"][1]["amount"]["amount"] = "1.00"
    with pytest.raises(InvalidDocumentError):
        validate_document("retail_transaction", data)
    for status in ("cancelled", "suspended"):
        data["status"] = status
        kept = validate_document("retail_transaction", data)
        assert not kept.counts(), status


def test_a_voided_tender_pays_nothing() -> None:
    data = retail_transaction().model_dump(mode="json")
    data["tenders"].append({"kind": "card", "amount": {"amount": "52.48", "currency": "EUR"}, "voided": True})
    assert validate_document("retail_transaction", data).total.amount == Decimal("52.48")
    data["tenders"][-1]["voided"] = False
    assert _field("retail_transaction", data) == "tenders"


def test_control_transactions_are_recorded_not_sold() -> None:
    data = retail_transaction().model_dump(mode="json")
    data.update(transaction_type="control", control_action="OperatorSignOn", lines=[], tenders=[],
                change_given=None, tax_total=None, total={"amount": "0", "currency": "EUR"})
    sign_on = validate_document("retail_transaction", data)
    assert sign_on.control_action == "OperatorSignOn" and not sign_on.counts()
    assert _field("retail_transaction", {**data, "control_action": None}) == "control_action"
    assert _field("retail_transaction", {**data, "lines": retail_transaction().model_dump(mode="json")["lines"]}) \
        == "lines"
    assert _field("retail_transaction", {**retail_transaction().model_dump(mode="json"),
                                         "control_action": "OperatorSignOn"}) == "control_action"


def test_return_lines_name_the_receipt_they_return_from() -> None:
    data = retail_transaction().model_dump(mode="json")
    data["lines"][1].update(kind="return", returned_from={"store_id": "S042", "till_id": "01",
                                                          "business_day": "2024-05-11", "transaction_number": "77",
                                                          "line_number": 2})
    data.update(tenders=[], change_given=None, total={"amount": "37.12", "currency": "EUR"})
    returned = validate_document("retail_transaction", data)
    assert returned.lines[1].returned_from.transaction_number == "77"  # type: ignore[union-attr]
    data["lines"][1]["kind"] = "sale"
    assert _field("retail_transaction", data) == "lines.1.returned_from"
    data["lines"][1].update(kind="return", returned_from={"till_id": "01"})
    assert _field("retail_transaction", data) == "lines.1.returned_from.transaction_number"


def test_line_prices_gtin_and_extensions() -> None:
    data = retail_transaction().model_dump(mode="json")
    line = data["lines"][1]
    line.update(product_external_id=None, description=None, gtin="04011200296908",
                regular_unit_price={"amount": "9.99", "currency": "EUR"},
                extensions={"{urn:acme:pos}Shelf": "<a:Shelf xmlns:a=\"urn:acme:pos\">B7</a:Shelf>"})
    kept = validate_document("retail_transaction", data).lines[1]
    assert kept.gtin == "04011200296908"
    assert kept.regular_unit_price is not None and kept.regular_unit_price.amount == Decimal("9.99")
    assert kept.extensions["{urn:acme:pos}Shelf"].endswith("</a:Shelf>")
    assert _field("retail_transaction", _with_line(data, gtin="40112002969")) == "lines.1.gtin"
    assert _field("retail_transaction", _with_line(data, gtin=None)) == "lines.1.product_external_id"
    assert _field("retail_transaction", _with_line(data, regular_unit_price={"amount": "9.99", "currency": "CHF"})) \
        == "lines.1.regular_unit_price.currency"
    assert _field("retail_transaction", _with_line(data, regular_unit_price={"amount": "-1", "currency": "EUR"})) \
        == "lines.1.regular_unit_price.amount"


def _with_line(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    lines = [dict(line) for line in data["lines"]]
    lines[1].update(changes)
    return {**data, "lines": lines}


def test_receipt_taxes_discounts_and_rewards() -> None:
    data = retail_transaction().model_dump(mode="json")
    data.update(taxes=[{"code": "VAT19", "rate": "19", "amount": {"amount": "8.38", "currency": "EUR"},
                        "base": {"amount": "44.10", "currency": "EUR"}}],
                discounts=[{"reason": "staff", "amount": {"amount": "1.00", "currency": "EUR"}}],
                rewards=[{"line_number": 5, "promotion_id": "DOUBLE-MAY", "points": "104"},
                         {"line_number": 6, "amount": {"amount": "2.00", "currency": "EUR"}}])
    kept = validate_document("retail_transaction", data)
    assert [r.points for r in kept.rewards] == [Decimal("104"), None]
    bad = {**data, "rewards": [{"line_number": 5}]}
    assert _field("retail_transaction", bad) == "rewards.0.promotion_id"
    bad = {**data, "rewards": [data["rewards"][0], {**data["rewards"][1], "line_number": 5}]}
    assert _field("retail_transaction", bad) == "rewards.1"
    bad = {**data, "taxes": [{**data["taxes"][0], "base": {"amount": "44.10", "currency": "USD"}}]}
    assert _field("retail_transaction", bad) == "taxes.0.base.currency"
    bad = {**data, "discounts": [{"reason": "staff", "amount": {"amount": "1.00", "currency": "USD"}}]}
    assert _field("retail_transaction", bad) == "discounts.0.amount.currency"
    bad = {**data, "rewards": [{"line_number": 6, "amount": {"amount": "-2.00", "currency": "EUR"}}]}
    assert _field("retail_transaction", bad) == "rewards.0.amount.amount"

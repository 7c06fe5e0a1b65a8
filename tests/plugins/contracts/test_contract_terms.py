"""Billing-plan dates, usage from meter readings, renewal and the notice period: the rules
on their own, with the dates that make them hard (month ends, leap years, late notice)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hub.api import ServiceContract, UsageBilling
from plugins.contracts.schedule import add_months, plan_dates
from plugins.contracts.terms import CancellationRefused, cancelled, decide, renewed
from plugins.contracts.usage import usage


def _contract(**overrides: object) -> ServiceContract:
    data: dict[str, object] = {
        "hub_id": "svc_T", "currency": "EUR", "sold_to_hub_id": "bp_1", "valid_from": "2026-01-31",
        "valid_to": "2026-12-31",
        "items": [{"item_number": 10, "description": "support",
                   "billing_plan": {"frequency": "monthly", "amount": {"amount": "50", "currency": "EUR"},
                                    "start_date": "2026-01-31", "end_date": "2026-12-31"}}],
        "renewal": {"auto_renew": True, "renewal_months": 12, "notice_days": 90}}
    data.update(overrides)
    return ServiceContract.model_validate(data)


def test_months_are_added_within_the_target_month() -> None:
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 3, 15), -2) == dt.date(2026, 1, 15)


def test_a_monthly_plan_has_one_date_per_period_up_to_the_contract_end() -> None:
    dates = plan_dates(_contract(), dt.date(2026, 1, 1), 400)
    assert len(dates) == 12
    assert [(d.billing_date, d.period_end) for d in dates[:2]] == [
        (dt.date(2026, 1, 31), dt.date(2026, 2, 27)), (dt.date(2026, 2, 28), dt.date(2026, 3, 30))]
    assert dates[-1].period_end == dt.date(2026, 12, 31)
    assert {d.amount for d in dates} == {Decimal(50)}


def test_a_plan_in_arrears_bills_on_the_last_day_and_the_horizon_stops_open_plans() -> None:
    contract = _contract(valid_to=None, items=[{"item_number": 1, "description": "x", "billing_plan": {
        "frequency": "quarterly", "amount": {"amount": "300", "currency": "EUR"}, "start_date": "2026-01-01",
        "in_advance": False}}])
    dates = plan_dates(contract, dt.date(2026, 1, 1), 200)
    assert [d.billing_date for d in dates] == [dt.date(2026, 3, 31), dt.date(2026, 6, 30)]


def test_listed_dates_are_the_plan_and_dates_after_a_cancellation_drop_out() -> None:
    contract = _contract(items=[{"item_number": 10, "description": "x", "billing_plan": {
        "frequency": "yearly", "amount": {"amount": "10", "currency": "EUR"}, "start_date": "2026-01-31",
        "dates": [{"billing_date": d, "period_start": d, "period_end": d, "amount": {"amount": "10", "currency": "EUR"}}
                  for d in ("2026-02-01", "2026-09-01")]}}],
        cancellation={"requested_on": "2026-01-31", "effective_on": "2026-06-30", "by": "customer"})
    assert [d.billing_date for d in plan_dates(contract, dt.date(2026, 1, 1), 400)] == [dt.date(2026, 2, 1)]


def test_usage_is_the_counter_difference_since_the_last_billed_reading_less_the_included() -> None:
    meter = UsageBilling.model_validate({
        "meter_id": "M", "unit": "KWH", "price_per_unit": {"amount": "0.30", "currency": "EUR"},
        "included_quantity": {"value": "50", "unit": "KWH"},
        "readings": [{"read_at": "2026-01-01T00:00:00+00:00", "reading": {"value": "1000", "unit": "KWH"},
                      "billed": True},
                     {"read_at": "2026-01-20T00:00:00+00:00", "reading": {"value": "1100", "unit": "KWH"},
                      "estimated": True},
                     {"read_at": "2026-01-31T00:00:00+00:00", "reading": {"value": "1250", "unit": "KWH"}},
                     {"read_at": "2026-02-10T00:00:00+00:00", "reading": {"value": "1300", "unit": "KWH"}}]})
    billed = usage(meter, dt.date(2026, 1, 31))
    assert (billed.consumed, billed.billable, billed.amount, billed.billed_through) == \
           (Decimal(250), Decimal(200), Decimal("60.00"), 2)
    assert usage(meter, dt.date(2025, 12, 31)).amount == 0


def test_an_auto_renewing_contract_past_its_end_runs_on_by_whole_terms() -> None:
    longer = renewed(_contract(), dt.date(2027, 1, 5))
    assert longer is not None and longer.valid_to == dt.date(2027, 12, 31)
    assert longer.items[0].billing_plan is not None and longer.items[0].billing_plan.end_date == dt.date(2027, 12, 31)
    assert renewed(_contract(), dt.date(2026, 12, 31)) is None
    assert renewed(_contract(renewal={"auto_renew": False}), dt.date(2027, 1, 5)) is None


def test_a_cancellation_with_notice_ends_the_term_and_a_late_one_is_moved_or_refused() -> None:
    contract = _contract()
    in_time = decide(contract, dt.date(2026, 9, 1), None, "customer", None, "move")
    assert (in_time.cancellation.effective_on, in_time.moved) == (dt.date(2026, 12, 31), False)
    late = decide(contract, dt.date(2026, 11, 1), dt.date(2026, 12, 31), "customer", "moving", "move")
    assert (late.cancellation.effective_on, late.moved) == (dt.date(2027, 12, 31), True)
    assert "moved to 2027-12-31" in late.message and "notice period 90 days" in late.message
    with pytest.raises(CancellationRefused, match="earliest end allowed is 2027-12-31"):
        decide(contract, dt.date(2026, 11, 1), dt.date(2026, 12, 31), "customer", None, "refuse")
    ended = cancelled(contract, in_time)
    assert ended.cancellation is not None and ended.valid_to == dt.date(2026, 12, 31)
    assert renewed(ended, dt.date(2027, 1, 5)) is None

"""Billing-plan dates of a service contract, and keeping their claim rows in step.

A plan lists its dates, or gives only frequency, start and end: then its dates are
generated period by period (a month, quarter, half year or year), billed on the
period's first day (in advance) or last day (in arrears), up to the plan's end, the
contract's end or its cancellation, and never further ahead than ``horizon_days``. The
dates a plan lists that the hub wrote back itself (billed, with their invoice) do not
make it a listed plan. An item billed only by usage gets a monthly plan of amount 0,
from the contract's start, so its readings are billed monthly.

``sync`` keeps the ``contract_billing`` rows of one contract in step: a new date is
inserted ``due``; a ``due`` date that left the plan (a cancellation, a shortened plan)
becomes ``cancelled``, and comes back ``due`` if the plan covers it again. A requested
or billed date is never touched: that claim is what keeps it from being billed twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from hub.api import BillingFrequency, BillingPlan, Money, ServiceContract, ServiceContractItem, utcnow
from plugins.contracts.tables import BILLED, CANCELLED, DUE, billing

MONTHS = {BillingFrequency.monthly: 1, BillingFrequency.quarterly: 3, BillingFrequency.half_yearly: 6,
          BillingFrequency.yearly: 12}


@dataclass(frozen=True)
class PlanDate:
    """One date a contract item is to be billed on, for one period."""

    item_number: int
    billing_date: dt.date
    period_start: dt.date
    period_end: dt.date
    amount: Decimal
    currency: str
    billed: bool = False


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months``, kept within the target month (Jan 31 + 1 -> Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(f"no day of {year}-{month:02d} near {day.day}")


def contract_end(contract: ServiceContract) -> dt.date | None:
    """The last day the contract runs: its cancellation's effective day, else ``valid_to``."""
    ends = [d for d in (contract.valid_to, contract.cancellation.effective_on if contract.cancellation else None) if d]
    return min(ends) if ends else None


def _listed(plan: BillingPlan) -> bool:
    return any(d.billing_document_hub_id is None for d in plan.dates)


def _generated(item_number: int, plan: BillingPlan, end: dt.date | None, horizon: dt.date) -> list[PlanDate]:
    step = MONTHS[plan.frequency]
    last = min(d for d in (plan.end_date, end, None) if d) if (plan.end_date or end) else None
    dates = []
    start, n = plan.start_date, 0
    while last is None or start <= last:
        period_end = add_months(plan.start_date, step * (n + 1)) - dt.timedelta(days=1)
        if last is not None:
            period_end = min(period_end, last)
        billing_date = start if plan.in_advance else period_end
        if billing_date > horizon:
            break
        dates.append(PlanDate(item_number, billing_date, start, period_end, plan.amount.amount, plan.amount.currency))
        n += 1
        start = add_months(plan.start_date, step * n)
    return dates


def item_plan(contract: ServiceContract, item: ServiceContractItem) -> BillingPlan | None:
    """The item's billing plan; a monthly plan of 0 for an item billed by usage only."""
    if item.billing_plan is not None:
        return item.billing_plan
    if item.usage_billing is None:
        return None
    return BillingPlan(frequency=BillingFrequency.monthly, start_date=contract.valid_from,
                       amount=Money(amount=Decimal(0), currency=contract.currency))


def plan_dates(contract: ServiceContract, today: dt.date, horizon_days: int) -> list[PlanDate]:
    """Every billing-plan date of ``contract`` (see the module docstring)."""
    horizon = today + dt.timedelta(days=horizon_days)
    end = contract_end(contract)
    dates: list[PlanDate] = []
    for item in contract.items:
        plan = item_plan(contract, item)
        if plan is None:
            continue
        if _listed(plan):
            dates += [PlanDate(item.item_number, d.billing_date, d.period_start, d.period_end, d.amount.amount,
                               d.amount.currency, d.billed)
                      for d in plan.dates if end is None or d.period_start <= end]
        else:
            dates += _generated(item.item_number, plan, end, horizon)
    return dates


def sync(conn: sa.Connection, contract: ServiceContract, today: dt.date, horizon_days: int) -> int:
    """Bring the contract's claim rows in step with its plans; how many rows changed."""
    assert contract.hub_id is not None
    wanted = {(d.item_number, d.billing_date): d for d in plan_dates(contract, today, horizon_days)}
    c = billing.c
    existing = {(row.item_number, row.billing_date): row for row in conn.execute(
        sa.select(c.item_number, c.billing_date, c.state, c.amount).where(c.contract_hub_id == contract.hub_id))}
    changed = 0
    new_rows = [{"contract_hub_id": contract.hub_id, "item_number": d.item_number, "billing_date": d.billing_date,
                 "period_start": d.period_start, "period_end": d.period_end, "amount": d.amount,
                 "currency": d.currency, "state": BILLED if d.billed else DUE,
                 "billed_at": utcnow() if d.billed else None}
                for key, d in wanted.items() if key not in existing]
    if new_rows:
        conn.execute(sa.insert(billing), new_rows)
        changed += len(new_rows)
    for key, row in existing.items():
        date = wanted.get(key)
        where = sa.and_(c.contract_hub_id == contract.hub_id, c.item_number == key[0], c.billing_date == key[1])
        if date is None and row.state == DUE:
            changed += conn.execute(sa.update(billing).where(where, c.state == DUE).values(state=CANCELLED)).rowcount
        elif date is not None and row.state == CANCELLED:
            changed += conn.execute(sa.update(billing).where(where, c.state == CANCELLED).values(
                state=DUE, amount=date.amount, period_start=date.period_start, period_end=date.period_end)).rowcount
        elif date is not None and row.state == DUE and Decimal(row.amount) != date.amount:
            changed += conn.execute(sa.update(billing).where(where, c.state == DUE).values(
                amount=date.amount, period_start=date.period_start, period_end=date.period_end)).rowcount
    return changed

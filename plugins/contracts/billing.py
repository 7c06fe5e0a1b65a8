"""The billing run: each due billing-plan date requested from the ERP exactly once.

A run takes the due dates (billing date today or earlier) a batch at a time. In one
transaction it claims them (``due`` -> ``requested``, only where still ``due``), writes
their billing requests through master data, whose outbox puts the messages to the ERP
in that same transaction, and marks the meter readings it billed. So a run killed at any
instant leaves each date either untouched (still due, taken by the next run) or
requested with its message queued: never requested without a message, never twice.

Several hub processes may run it at once: on PostgreSQL each batch locks its rows with
``FOR UPDATE SKIP LOCKED``, so two runs take different dates; SQLite has one writer at a
time. Either way the claim's ``WHERE state = 'due'`` must hit every row, or the batch is
rolled back (some other run took a date first).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from hub.api import HubError, PluginContext, PluginTransaction, SalesOrder, ServiceContract, utcnow
from plugins.contracts.requests import billing_request
from plugins.contracts.settings import ContractsSettings
from plugins.contracts.tables import CANCELLED, DUE, NOTHING, REQUESTED, billing, plain
from plugins.contracts.usage import Usage, usage
from plugins.contracts.writes import write_contracts


class ClaimLost(HubError):
    """Another billing run requested a date of this batch first; the batch is rolled back."""


@dataclass
class BillingRun:
    """What one run did."""

    requested: int = 0
    batches: int = 0
    skipped: int = 0


def _due(conn: sa.Connection, today: dt.date, limit: int) -> list[sa.Row]:
    c = billing.c
    query = (sa.select(c.contract_hub_id, c.item_number, c.billing_date, c.period_start, c.period_end, c.amount)
             .where(c.state == DUE, c.billing_date <= today)
             .order_by(c.billing_date, c.contract_hub_id, c.item_number).limit(limit))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(conn.execute(query))


_KEY = sa.and_(billing.c.contract_hub_id == sa.bindparam("k_contract"),
               billing.c.item_number == sa.bindparam("k_item"),
               billing.c.billing_date == sa.bindparam("k_date"), billing.c.state == DUE)
_CLAIM = sa.update(billing).where(_KEY).values(
    state=sa.bindparam("v_state"), request_hub_id=sa.bindparam("v_request"),
    requested_at=sa.bindparam("v_at"), usage_quantity=sa.bindparam("v_usage"))
"""Claims one row, only while it is still due; built once, run for a whole batch."""


def _claim(conn: sa.Connection, claims: list[dict[str, object]]) -> None:
    """Claim every row of ``claims`` (keys and new values) or raise ClaimLost."""
    if not claims:
        return
    claimed = conn.execute(_CLAIM, claims).rowcount
    if claimed != len(claims):
        raise ClaimLost(f"{len(claims) - claimed} of {len(claims)} billing-plan dates of this batch were claimed"
                        " by another run")


def _values(row: sa.Row, state: str, request: str | None = None, at: object = None,
            usage_quantity: Decimal | None = None) -> dict[str, object]:
    return {"k_contract": row.contract_hub_id, "k_item": row.item_number, "k_date": row.billing_date,
            "v_state": state, "v_request": request, "v_at": at, "v_usage": usage_quantity}


def request_batch(transaction: PluginTransaction, settings: ContractsSettings, today: dt.date) -> tuple[int, int]:
    """Claim and request one batch of due dates; (requested, cancelled) counts."""
    conn = transaction.connection
    rows = _due(conn, today, settings.billing_batch)
    by_contract: dict[str, list[sa.Row]] = defaultdict(list)
    for row in rows:
        by_contract[row.contract_hub_id].append(row)
    orders: list[SalesOrder] = []
    claims: list[tuple[sa.Row, Decimal | None]] = []
    dropped: list[dict[str, object]] = []
    changed: list[ServiceContract] = []
    contracts = transaction.documents(list(by_contract))
    for hub_id, contract_rows in by_contract.items():
        contract = contracts.get(hub_id)
        if not isinstance(contract, ServiceContract) or contract.status.value in ("cancelled", "draft"):
            dropped += [_values(row, CANCELLED) for row in contract_rows]
            continue
        items = {item.item_number: item for item in contract.items}
        readings_billed = False
        for row in contract_rows:
            item = items.get(row.item_number)
            if item is None:
                dropped.append(_values(row, CANCELLED))
                continue
            metered: Usage | None = None
            if item.usage_billing is not None:
                metered = usage(item.usage_billing, row.period_end)
                for reading in item.usage_billing.readings[:metered.billed_through + 1]:
                    readings_billed |= not reading.billed
                    reading.billed = True
            if item.billing_plan is None and (metered is None or metered.billable == 0):
                # A usage-only item with nothing beyond what is included: no request at all.
                dropped.append(_values(row, NOTHING, usage_quantity=Decimal(0)))
                continue
            amount = plain(Decimal(row.amount)) or Decimal(0)
            orders.append(billing_request(contract, item, row.billing_date, (row.period_start, row.period_end),
                                          amount, metered, settings.request_order_type))
            claims.append((row, metered.billable if metered else None))
        if readings_billed:
            changed.append(contract)
    results = transaction.upsert(orders) if orders else []
    now = utcnow()
    _claim(conn, dropped + [_values(row, REQUESTED, result.hub_id, now, quantity)
                            for (row, quantity), result in zip(claims, results, strict=True)])
    write_contracts(transaction, changed, settings, today)
    return len(claims), len(dropped)


def run_billing(context: PluginContext, today: dt.date | None = None) -> BillingRun:
    """Request every due date, batch after batch, until none is left."""
    settings = context.settings_as(ContractsSettings)
    day = today or utcnow().date()
    run = BillingRun()
    while True:
        try:
            with context.transaction() as transaction:
                requested, skipped = request_batch(transaction, settings, day)
        except ClaimLost as lost:
            context.log.info("billing run: %s; taking the next batch", lost)
            continue
        if requested == 0 and skipped == 0:
            break
        run.requested += requested
        run.skipped += skipped
        run.batches += 1
    if run.requested or run.skipped:
        context.log.info("billing run for %s: %d billing-plan dates requested from the ERP in %d batches"
                         " (%d without a request: ended or cancelled contracts, or no usage to bill)",
                         day, run.requested, run.batches, run.skipped)
    return run


def billing_job(context: PluginContext) -> None:
    """Scheduled job ``contracts.billing``."""
    run_billing(context)

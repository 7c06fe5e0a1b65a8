"""Contracts nearing their end: the scheduled report, and renewals that are due.

The report lists every active contract whose ``valid_to`` falls within ``ending_days``
and that will really end there (it does not renew itself, or it was cancelled). Each is
logged as a warning and the whole report is kept in the plugin's state, where ``hub
contract ending`` shows it with the time it was made. The same job renews the contracts
that reached their end with ``auto_renew`` (``hub.plugins.contracts.terms``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import sqlalchemy as sa

from hub.api import JsonValue, PluginContext, ServiceContract, utcnow
from plugins.contracts.settings import ContractsSettings
from plugins.contracts.tables import index
from plugins.contracts.terms import renewed
from plugins.contracts.writes import write_contracts

REPORT_STATE = "ending_report"


def ending(conn: sa.Connection, today: dt.date, days: int) -> list[dict[str, Any]]:
    """Active contracts that end within ``days`` of ``today`` (none that renew themselves)."""
    c = index.c
    rows = conn.execute(sa.select(c.hub_id, c.doc_type, c.sold_to_hub_id, c.valid_to, c.cancelled_on, c.auto_renew)
                        .where(c.status == "active", c.valid_to.is_not(None), c.valid_to >= today,
                               c.valid_to <= today + dt.timedelta(days=days),
                               sa.or_(sa.not_(c.auto_renew), c.cancelled_on.is_not(None)))
                        .order_by(c.valid_to, c.hub_id))
    return [{"hub_id": r.hub_id, "doc_type": r.doc_type, "sold_to_hub_id": r.sold_to_hub_id,
             "valid_to": r.valid_to.isoformat(), "days_left": (r.valid_to - today).days,
             "cancelled": r.cancelled_on is not None} for r in rows]


def report(context: PluginContext, today: dt.date | None = None) -> dict[str, JsonValue]:
    """Make the report, log it and keep it in the plugin's state; returns it."""
    settings = context.settings_as(ContractsSettings)
    day = today or utcnow().date()
    with context.transaction() as transaction:
        found = ending(transaction.connection, day, settings.ending_days)
        made: dict[str, JsonValue] = {"made_at": utcnow().isoformat(), "today": day.isoformat(),
                                      "days": settings.ending_days, "contracts": cast(JsonValue, found)}
        transaction.set_state({REPORT_STATE: made})
    for entry in found:
        context.log.warning("%s %s of %s ends on %s (in %d days)%s", entry["doc_type"], entry["hub_id"],
                            entry["sold_to_hub_id"], entry["valid_to"], entry["days_left"],
                            ", cancelled" if entry["cancelled"] else "")
    context.log.info("ending report: %d contracts end within %d days", len(found), settings.ending_days)
    return made


def renew_due(context: PluginContext, today: dt.date | None = None) -> list[str]:
    """Renew each auto-renewing contract past its end; the hub ids renewed."""
    settings = context.settings_as(ContractsSettings)
    day = today or utcnow().date()
    c = index.c
    done = []
    with context.transaction() as transaction:
        ids = [r.hub_id for r in transaction.connection.execute(sa.select(c.hub_id).where(
            c.auto_renew, c.cancelled_on.is_(None), c.status == "active", c.valid_to < day))]
        for hub_id in ids:
            contract = transaction.document(hub_id)
            if not isinstance(contract, ServiceContract):
                continue
            longer = renewed(contract, day)
            if longer is None:
                continue
            write_contracts(transaction, [longer], settings, day)
            context.log.info("%s renewed: %s -> %s (every %s months)", hub_id, contract.valid_to, longer.valid_to,
                             contract.renewal.renewal_months)
            done.append(hub_id)
    return done


def ending_job(context: PluginContext) -> None:
    """Scheduled job ``contracts.ending``: renew what is due, then report what ends soon."""
    renew_due(context)
    report(context)

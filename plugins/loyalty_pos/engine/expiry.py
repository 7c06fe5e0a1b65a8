"""The daily housekeeping of the programme: expiry, lapsed reservations, coupons, tiers.

Lots whose last day has passed are expired: one expiry entry per lot, taking exactly
what the lot still holds, so the ledger says which points went and why. Reservations a
till neither committed nor cancelled in time are marked lapsed (they stopped holding
points the moment they passed their time; this only records it). Coupons past their
last day are expired. Every member's tier is evaluated again, so a member whose
qualifying points fell out of the rolling period is downgraded once the grace period
is over. Runs as the scheduled job ``loyalty_pos.expiry`` and as ``hub loyalty
expire``; ``--dry-run`` reports what would happen and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from hub.api import PluginContext, PluginTransaction, utcnow
from plugins.loyalty_pos.engine import members, tiers
from plugins.loyalty_pos.engine.ledger import Entry, debit
from plugins.loyalty_pos.engine.programme import NoProgramme, active_programme
from plugins.loyalty_pos.store.tables import coupons, ledger, lots, members as member_rows, reservations


@dataclass(frozen=True)
class ExpiryReport:
    """What one run expired (or, dry, would)."""

    lots: int
    points: int
    members: int
    reservations_lapsed: int
    coupons_expired: int
    tiers_changed: int
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _lapse(conn: sa.Connection, now: dt.datetime, dry_run: bool) -> int:
    due = (reservations.c.state == "reserved") & (reservations.c.expires_at <= now)
    if dry_run:
        return int(conn.execute(sa.select(sa.func.count()).where(due)).scalar_one())
    return int(conn.execute(reservations.update().where(due).values(state="lapsed", finished_at=now)).rowcount)


def _coupons(conn: sa.Connection, today: dt.date, dry_run: bool) -> int:
    due = (coupons.c.status == "issued") & (coupons.c.valid_to < today)
    if dry_run:
        return int(conn.execute(sa.select(sa.func.count()).where(due)).scalar_one())
    return int(conn.execute(coupons.update().where(due).values(status="expired")).rowcount)


def _tiers(tx: PluginTransaction, now: dt.datetime) -> int:
    try:
        programme = active_programme(tx)
    except NoProgramme:
        return 0
    if not programme.tiers:
        return 0
    conn = tx.connection
    changed = 0
    for member_id in conn.execute(sa.select(member_rows.c.id)).scalars():
        member = members.by_id(conn, member_id)
        if member is not None and tiers.evaluate(conn, programme, member, now) != member.tier_code:
            changed += 1
    return changed


def run_expiry(tx: PluginTransaction, today: dt.date, now: dt.datetime, dry_run: bool) -> ExpiryReport:
    """Expire, lapse and re-evaluate as of ``today``; with ``dry_run`` only count."""
    conn = tx.connection
    due = conn.execute(sa.select(lots.c.id, lots.c.member_id, lots.c.point_type, lots.c.remaining,
                                 lots.c.expires_on, ledger.c.qualifying)
                       .join(ledger, ledger.c.id == lots.c.ledger_id)
                       .where((lots.c.remaining > 0) & (lots.c.expires_on < today))
                       .order_by(lots.c.id)).all()
    if not dry_run:
        for lot in due:
            entry = Entry(lot.member_id, lot.point_type, "expiry", -int(lot.remaining), now,
                          reason=f"expired after {lot.expires_on.isoformat()}")
            debit(conn, entry, today, spendable_only=False, lot_id=lot.id)
    lapsed = _lapse(conn, now, dry_run)
    expired_coupons = _coupons(conn, today, dry_run)
    changed = 0 if dry_run else _tiers(tx, now)
    return ExpiryReport(len(due), sum(int(lot.remaining) for lot in due), len({lot.member_id for lot in due}),
                        lapsed, expired_coupons, changed, dry_run)


def expiry_job(context: PluginContext) -> None:
    """The scheduled job: expire as of today and log what went."""
    now = utcnow()
    with context.transaction() as tx:
        report = run_expiry(tx, now.date(), now, dry_run=False)
    context.log.info("loyalty expiry: %d points of %d lots of %d members expired, %d reservations lapsed,"
                     " %d coupons expired, %d tiers changed", report.points, report.lots, report.members,
                     report.reservations_lapsed, report.coupons_expired, report.tiers_changed)

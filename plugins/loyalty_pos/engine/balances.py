"""What a member has: per point type the balance, what may be spent now, what is still
pending (inside the return window), held by tills' reservations, and expiring soon."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from plugins.loyalty_pos.store.tables import accounts, ledger, lots, reservations

EXPIRING_SOON_DAYS = 30


@dataclass(frozen=True)
class Balance:
    """One account of a member."""

    point_type: str
    balance: int
    available: int
    pending: int
    held: int
    expiring_soon: int
    expiring_by: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


_TODAY = sa.bindparam("b_today", type_=sa.Date)
_SOON = sa.bindparam("b_soon", type_=sa.Date)
_NOW = sa.bindparam("b_now", type_=reservations.c.expires_at.type)
_LIVE = (lots.c.available_on <= _TODAY) & sa.or_(lots.c.expires_on.is_(None), lots.c.expires_on >= _TODAY)


def _lot_sum(condition: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    return (sa.select(sa.func.coalesce(sa.func.sum(lots.c.remaining), 0))
            .where((lots.c.member_id == accounts.c.member_id) & (lots.c.point_type == accounts.c.point_type)
                   & (lots.c.remaining > 0) & condition).scalar_subquery())


_HELD = (sa.select(sa.func.coalesce(sa.func.sum(reservations.c.points), 0))
         .where((reservations.c.member_id == accounts.c.member_id)
                & (reservations.c.point_type == accounts.c.point_type)
                & (reservations.c.state == "reserved") & (reservations.c.expires_at > _NOW)).scalar_subquery())
_BALANCES = (sa.select(accounts.c.point_type, accounts.c.balance, _lot_sum(_LIVE).label("spendable"),
                       _lot_sum(lots.c.available_on > _TODAY).label("pending"),
                       _lot_sum(_LIVE & (lots.c.expires_on <= _SOON)).label("expiring"), _HELD.label("held"))
             .where(accounts.c.member_id == sa.bindparam("b_member")).order_by(accounts.c.point_type))
"""Every account of a member with its sums, in one statement built once (a till asks
this for every card it scans)."""


def balances(conn: sa.Connection, member_id: str, today: dt.date, now: dt.datetime) -> list[Balance]:
    """Every account of the member, by point type."""
    soon = today + dt.timedelta(days=EXPIRING_SOON_DAYS)
    rows = conn.execute(_BALANCES, {"b_member": member_id, "b_today": today, "b_soon": soon, "b_now": now})
    return [Balance(row.point_type, int(row.balance), int(row.spendable) - int(row.held), int(row.pending),
                    int(row.held), int(row.expiring), soon.isoformat()) for row in rows]


def lots_of(conn: sa.Connection, member_id: str) -> list[dict[str, Any]]:
    """The member's lots that still hold points, first-expiring first."""
    rows = conn.execute(sa.select(lots).where((lots.c.member_id == member_id) & (lots.c.remaining > 0))
                        .order_by(lots.c.expires_on.is_(None), lots.c.expires_on, lots.c.id))
    return [{"point_type": r.point_type, "points": int(r.points), "remaining": int(r.remaining),
             "available_on": r.available_on.isoformat(),
             "expires_on": r.expires_on.isoformat() if r.expires_on else None} for r in rows]


def recent(conn: sa.Connection, member_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The member's latest ledger entries, newest first."""
    rows = conn.execute(sa.select(ledger).where(ledger.c.member_id == member_id)
                        .order_by(ledger.c.id.desc()).limit(limit))
    return [{"id": r.id, "occurred_at": r.occurred_at.isoformat(), "kind": r.kind, "point_type": r.point_type,
             "points": int(r.points), "receipt": r.receipt, "document": r.document_hub_id,
             "reverses": r.reverses_id, "reason": r.reason} for r in rows]

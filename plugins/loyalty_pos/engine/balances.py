"""What a member has: per point type the balance, what may be spent now, what is still
pending (inside the return window), held by tills' reservations, and expiring soon."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from plugins.loyalty_pos.engine.ledger import held, spendable
from plugins.loyalty_pos.store.tables import accounts, ledger, lots

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


def _sum(conn: sa.Connection, where: sa.ColumnElement[bool]) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(lots.c.remaining), 0)).where(where)).scalar_one())


def balances(conn: sa.Connection, member_id: str, today: dt.date, now: dt.datetime) -> list[Balance]:
    """Every account of the member, by point type."""
    soon = today + dt.timedelta(days=EXPIRING_SOON_DAYS)
    result = []
    for row in conn.execute(sa.select(accounts).where(accounts.c.member_id == member_id)
                            .order_by(accounts.c.point_type)):
        can_spend = spendable(member_id, row.point_type, today)
        spend = _sum(conn, can_spend)
        holding = held(conn, member_id, row.point_type, now)
        pending = _sum(conn, (lots.c.member_id == member_id) & (lots.c.point_type == row.point_type)
                       & (lots.c.remaining > 0) & (lots.c.available_on > today))
        expiring = _sum(conn, can_spend & (lots.c.expires_on <= soon))
        result.append(Balance(row.point_type, int(row.balance), spend - holding, pending, holding, expiring,
                              soon.isoformat()))
    return result


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

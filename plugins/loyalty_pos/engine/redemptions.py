"""Tills spend points in two steps: reserve, then commit (or cancel).

A reservation holds points for one receipt while the customer pays; it spends nothing
until it is committed, and holds nothing once cancelled or past its time
(``reservation_lapse_seconds``: a till that crashed must not lock a member's points
for ever). Committing posts the redemption to the ledger, taking the points out of
spendable lots first-expiring-first.

Every step locks the member's account first (see ``ledger.lock_account``), so two tills
reserving from one account at the same moment are served one after the other, and the
second sees what the first holds: an account can never be overdrawn. A till's retry
with the same ``Idempotency-Key`` (per store) finds the reservation it made and
returns it again, reserving nothing more; the same key for another request is refused.
Commit and cancel are idempotent too: repeating them answers the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.api import LoyaltyProgramme, new_hub_id
from plugins.loyalty_pos.engine import members
from plugins.loyalty_pos.engine.ledger import Entry, available, debit, lock_account
from plugins.loyalty_pos.store.tables import reservations


class RedemptionRefused(Exception):
    """A step the till asked for that cannot be done; ``kind`` names why (the problem type)."""

    def __init__(self, status: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Request:
    """What a till asks to reserve: ``points`` (of ``point_type``), or the programme's
    ``reward`` (a redemption rule: its points, for its value)."""

    card: str
    points: int | None
    point_type: str | None
    receipt: str | None
    reward: str | None = None


def _view(row: Any, replayed: bool = False) -> dict[str, Any]:
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    return {"id": row.id, "state": row.state, "member": row.member_id, "point_type": row.point_type,
            "points": int(row.points), "receipt": row.receipt, "expires_at": expires.isoformat(),
            "ledger_id": row.ledger_id, "replayed": replayed}


def _point_type(programme: LoyaltyProgramme, asked: str | None) -> str:
    if asked is None:
        redeemable = [p.code for p in programme.point_types if p.redeemable]
        if not redeemable:
            raise RedemptionRefused(409, "not-redeemable", f"programme {programme.code} has no redeemable points")
        return redeemable[0]
    found = programme.point_type(asked)
    if found is None or not found.redeemable:
        raise RedemptionRefused(422, "malformed-body", f"{asked!r} is not a redeemable point type of {programme.code}")
    return found.code


_BY_KEY = sa.select(reservations).where((reservations.c.store == sa.bindparam("b_store"))
                                        & (reservations.c.idempotency_key == sa.bindparam("b_key")))
_BY_ID = sa.select(reservations).where(reservations.c.id == sa.bindparam("b_id"))
_INSERT = reservations.insert()
_FINISH = reservations.update().where(reservations.c.id == sa.bindparam("b_id"))


def _by_key(conn: sa.Connection, store: str, key: str) -> Any:
    return conn.execute(_BY_KEY, {"b_store": store, "b_key": key}).first()


def _by_id(conn: sa.Connection, reservation_id: str) -> Any:
    return conn.execute(_BY_ID, {"b_id": reservation_id}).first()


def _priced(programme: LoyaltyProgramme, asked: Request) -> tuple[str, int, dict[str, Any] | None]:
    """The point type and points a request holds, and the reward it buys (if it names one)."""
    if asked.reward is None:
        if asked.points is None:
            raise RedemptionRefused(422, "malformed-body", "name the points to reserve, or a reward")
        return _point_type(programme, asked.point_type), asked.points, None
    rule = next((r for r in programme.redemption_rules if r.code == asked.reward), None)
    if rule is None:
        known = ", ".join(r.code for r in programme.redemption_rules) or "none"
        raise RedemptionRefused(422, "malformed-body",
                                f"no reward {asked.reward!r} in {programme.code} (it has {known})")
    reward = {"code": rule.code, "description": rule.description,
              "value": {"amount": str(rule.value.amount), "currency": rule.value.currency}}
    return rule.point_type, int(rule.points), reward


def reserve(conn: sa.Connection, programme: LoyaltyProgramme, store: str, key: str, asked: Request,
            now: dt.datetime, lapse_seconds: int) -> dict[str, Any]:
    """Hold the points ``asked`` for of the card's member for the store's receipt; the reservation."""
    member = members.by_card(conn, asked.card)
    if member is None:
        raise RedemptionRefused(404, "unknown-card", f"no member has card {asked.card!r}")
    point_type, points, reward = _priced(programme, asked)
    lock_account(conn, member.id, point_type)
    earlier = _by_key(conn, store, key)
    if earlier is not None:
        if (earlier.member_id, earlier.point_type, int(earlier.points), earlier.receipt) != (
                member.id, point_type, points, asked.receipt):
            raise RedemptionRefused(409, "idempotency-key-reused",
                                    f"Idempotency-Key {key!r} was used for another redemption ({earlier.id})")
        return {**_view(earlier, replayed=True), "reward": reward}
    if member.status not in (members.ACTIVE, members.PROVISIONAL):
        raise RedemptionRefused(409, "member-inactive", f"member {member.id} is {member.status}")
    can_spend = available(conn, member.id, point_type, now.date(), now)
    if points > can_spend:
        raise RedemptionRefused(409, "insufficient-points",
                                f"card {asked.card} has {can_spend} {point_type} points available, not {points}")
    reservation_id = new_hub_id("lr")
    conn.execute(_INSERT, {
        "id": reservation_id, "store": store, "idempotency_key": key, "member_id": member.id,
        "point_type": point_type, "points": points, "receipt": asked.receipt, "state": "reserved",
        "created_at": now, "expires_at": now + dt.timedelta(seconds=lapse_seconds), "finished_at": None,
        "ledger_id": None})
    return {**_view(_by_key(conn, store, key)), "reward": reward}


def _locked(conn: sa.Connection, store: str, reservation_id: str) -> Any:
    row = _by_id(conn, reservation_id)
    if row is None:
        raise RedemptionRefused(404, "unknown-reservation", f"no reservation {reservation_id!r}")
    if row.store != store:
        raise RedemptionRefused(403, "wrong-store", f"reservation {reservation_id} belongs to another store")
    lock_account(conn, row.member_id, row.point_type)
    return _by_id(conn, reservation_id)


def _lapsed(row: Any, now: dt.datetime) -> bool:
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    return row.state == "lapsed" or (row.state == "reserved" and expires <= now)


def commit(conn: sa.Connection, store: str, reservation_id: str, now: dt.datetime) -> dict[str, Any]:
    """Spend what the reservation holds (once; a repeated commit answers the same)."""
    row = _locked(conn, store, reservation_id)
    if row.state == "committed":
        return _view(row, replayed=True)
    if _lapsed(row, now):
        raise RedemptionRefused(409, "reservation-lapsed", f"reservation {row.id} lapsed at {row.expires_at}")
    if row.state != "reserved":
        raise RedemptionRefused(409, "reservation-" + row.state, f"reservation {row.id} is {row.state}")
    entry = Entry(row.member_id, row.point_type, "redemption", -int(row.points), now, receipt=row.receipt,
                  reservation_id=row.id, reason=f"redeemed at store {store}")
    ledger_id = debit(conn, entry, now.date(), spendable_only=True)
    conn.execute(_FINISH, {"b_id": row.id, "state": "committed", "finished_at": now, "ledger_id": ledger_id})
    return _view(_by_id(conn, row.id))


def cancel(conn: sa.Connection, store: str, reservation_id: str, now: dt.datetime) -> dict[str, Any]:
    """Release what the reservation holds (a repeated cancel answers the same)."""
    row = _locked(conn, store, reservation_id)
    if row.state in ("cancelled", "lapsed"):
        return _view(row, replayed=True)
    if row.state == "committed":
        raise RedemptionRefused(409, "reservation-committed", f"reservation {row.id} was committed")
    conn.execute(_FINISH, {"b_id": row.id, "state": "cancelled", "finished_at": now})
    return _view(_by_id(conn, row.id))

"""The ledger: the one place points move.

Every movement is one row of ``loyalty_ledger`` (signed points); in the same
transaction the account's ``balance`` moves by the same amount and the lots follow:
a credit opens a lot (spendable from ``available_on``, the end of the return window;
gone on ``expires_on``), a debit takes points out of lots, first-expiring-first. So
``balance == sum(ledger)`` always, and the lots' remaining points make the balance
(while it is not negative: a return after the points were spent can leave a debt,
which the next credits pay off before they open a lot). ``hub loyalty check`` proves
both for every account.

Two tills must never spend the same points: every debit and every reservation first
locks the account row (``lock_account``: ``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite the hub begins every write transaction IMMEDIATE, so writers are serialised).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from plugins.loyalty_pos.store.tables import accounts, ledger, lots, reservations


class InsufficientPoints(Exception):
    """An account has fewer spendable points than a debit asks for."""

    def __init__(self, member_id: str, point_type: str, wanted: int, available: int) -> None:
        super().__init__(f"member {member_id} has {available} {point_type} points available, not {wanted}")
        self.available = available
        self.wanted = wanted


@dataclass(frozen=True)
class Entry:
    """One movement to post: ``points`` signed (credits positive, debits negative)."""

    member_id: str
    point_type: str
    kind: str
    points: int
    occurred_at: dt.datetime
    qualifying: bool = False
    rule_code: str | None = None
    receipt: str | None = None
    document_hub_id: str | None = None
    reverses_id: int | None = None
    reservation_id: str | None = None
    reason: str | None = None


# Statements built once: a day file posts tens of thousands of entries, and building a
# statement costs more than running it.
_ACCOUNT = (accounts.c.member_id == sa.bindparam("b_member")) & (accounts.c.point_type == sa.bindparam("b_type"))
_LOCK = sa.select(accounts.c.balance).where(_ACCOUNT).with_for_update()
_NEW_ACCOUNT = {"postgresql": postgresql.insert(accounts).on_conflict_do_nothing(),
                "sqlite": sqlite.insert(accounts).on_conflict_do_nothing()}
_MOVE = accounts.update().where(_ACCOUNT).values(balance=accounts.c.balance + sa.bindparam("b_points"))
_ENTRY = ledger.insert()
_LOT = lots.insert()


def lock_account(conn: sa.Connection, member_id: str, point_type: str) -> int:
    """The account's balance, its row locked until the transaction ends (made if new)."""
    key = {"b_member": member_id, "b_type": point_type}
    balance = conn.execute(_LOCK, key).scalar_one_or_none()
    if balance is not None:
        return int(balance)
    conn.execute(_NEW_ACCOUNT[conn.dialect.name], {"member_id": member_id, "point_type": point_type, "balance": 0})
    return int(conn.execute(_LOCK, key).scalar_one())


def _row(entry: Entry) -> dict[str, object]:
    return {"member_id": entry.member_id, "point_type": entry.point_type, "kind": entry.kind, "points": entry.points,
            "occurred_at": entry.occurred_at, "qualifying": entry.qualifying, "rule_code": entry.rule_code,
            "receipt": entry.receipt, "document_hub_id": entry.document_hub_id, "reverses_id": entry.reverses_id,
            "reservation_id": entry.reservation_id, "reason": entry.reason}


def _post(conn: sa.Connection, entry: Entry) -> int:
    row = conn.execute(_ENTRY, _row(entry))
    conn.execute(_MOVE, {"b_member": entry.member_id, "b_type": entry.point_type, "b_points": entry.points})
    primary = row.inserted_primary_key
    if primary is None:
        raise RuntimeError("the database gave the new ledger entry no id")
    return int(primary[0])


def credit(conn: sa.Connection, entry: Entry, available_on: dt.date, expires_on: dt.date | None) -> int:
    """Post a credit and open its lot (less any debt of the account); returns the ledger id."""
    if entry.points <= 0:
        raise ValueError(f"a credit moves a positive number of points, not {entry.points}")
    balance = lock_account(conn, entry.member_id, entry.point_type)
    ledger_id = _post(conn, entry)
    remaining = entry.points - min(entry.points, max(0, -balance))
    conn.execute(_LOT, {"member_id": entry.member_id, "point_type": entry.point_type, "ledger_id": ledger_id,
                        "points": entry.points, "remaining": remaining, "available_on": available_on,
                        "expires_on": expires_on})
    return ledger_id


@dataclass(frozen=True)
class Credit:
    """A credit to post together with others (``credit_many``): the entry and its lot's dates."""

    entry: Entry
    available_on: dt.date
    expires_on: dt.date | None


_ENTRIES = ledger.insert().returning(ledger.c.id, ledger.c.member_id, ledger.c.point_type, ledger.c.receipt,
                                     ledger.c.rule_code)
"""Many entries in one statement. The new ids are matched to the entries by what they
hold (SQLite does not promise RETURNING's order, and to keep the order SQLAlchemy sends
the rows one by one)."""
_IN_BATCH = 900
"""Members in one ``IN (...)`` of ``_balances``."""


def _balances(conn: sa.Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The balances of the accounts ``keys`` (member, point type), made where new and
    locked until the transaction ends, as ``lock_account`` does one by one."""
    conn.execute(_NEW_ACCOUNT[conn.dialect.name],
                 [{"member_id": member, "point_type": kind, "balance": 0} for member, kind in keys])
    wanted = set(keys)
    members = sorted({member for member, _ in keys})
    found: dict[tuple[str, str], int] = {}
    for start in range(0, len(members), _IN_BATCH):
        rows = conn.execute(sa.select(accounts.c.member_id, accounts.c.point_type, accounts.c.balance)
                            .where(accounts.c.member_id.in_(members[start:start + _IN_BATCH]))
                            .order_by(accounts.c.member_id, accounts.c.point_type).with_for_update())
        found.update({(r.member_id, r.point_type): int(r.balance) for r in rows
                      if (r.member_id, r.point_type) in wanted})
    return found


def credit_many(conn: sa.Connection, credits: Sequence[Credit]) -> list[int]:
    """``credit`` for each of ``credits`` in turn, written together: a day file's chunk
    posts hundreds of credits, and five statements per credit cost more than the
    bookkeeping. Each lot is opened less the debt its account has just before it, as
    one ``credit`` after another would open it. The ledger ids, in order. (Credits
    alike in member, point type, receipt and rule, which the ids could not tell
    apart, are posted one by one.)"""
    if not credits:
        return []
    for item in credits:
        if item.entry.points <= 0:
            raise ValueError(f"a credit moves a positive number of points, not {item.entry.points}")
    own = [(item.entry.member_id, item.entry.point_type, item.entry.receipt, item.entry.rule_code) for item in credits]
    if len(set(own)) < len(own):
        return [credit(conn, item.entry, item.available_on, item.expires_on) for item in credits]
    keys = sorted({(item.entry.member_id, item.entry.point_type) for item in credits})
    balances = _balances(conn, keys)
    remaining = []
    for item in credits:
        key = (item.entry.member_id, item.entry.point_type)
        points = item.entry.points
        remaining.append(points - min(points, max(0, -balances[key])))
        balances[key] += points
    given = {(r.member_id, r.point_type, r.receipt, r.rule_code): int(r.id)
             for r in conn.execute(_ENTRIES, [_row(item.entry) for item in credits])}
    if len(given) != len(credits):
        raise RuntimeError(f"the database gave {len(given)} ids for {len(credits)} new ledger entries")
    ids = [given[key] for key in own]
    moved: dict[tuple[str, str], int] = defaultdict(int)
    for item in credits:
        moved[(item.entry.member_id, item.entry.point_type)] += item.entry.points
    conn.execute(_MOVE, [{"b_member": member, "b_type": kind, "b_points": points}
                         for (member, kind), points in moved.items()])
    conn.execute(_LOT, [{"member_id": item.entry.member_id, "point_type": item.entry.point_type, "ledger_id": i,
                         "points": item.entry.points, "remaining": left, "available_on": item.available_on,
                         "expires_on": item.expires_on}
                        for item, i, left in zip(credits, ids, remaining, strict=True)])
    return ids


def spendable(member_id: str | sa.BindParameter[str], point_type: str | sa.BindParameter[str],
              today: dt.date | sa.BindParameter[dt.date]) -> sa.ColumnElement[bool]:
    """Lots of the account whose points may be spent on ``today``."""
    return ((lots.c.member_id == member_id) & (lots.c.point_type == point_type) & (lots.c.remaining > 0)
            & (lots.c.available_on <= today) & (sa.or_(lots.c.expires_on.is_(None), lots.c.expires_on >= today)))


_MEMBER: sa.BindParameter[str] = sa.bindparam("b_member")
_TYPE: sa.BindParameter[str] = sa.bindparam("b_type")
_TODAY: sa.BindParameter[dt.date] = sa.bindparam("b_today", type_=sa.Date)
_HELD = sa.select(sa.func.coalesce(sa.func.sum(reservations.c.points), 0)).where(
    (reservations.c.member_id == _MEMBER) & (reservations.c.point_type == _TYPE)
    & (reservations.c.state == "reserved")
    & (reservations.c.expires_at > sa.bindparam("b_now", type_=reservations.c.expires_at.type)))
_SPENDABLE = sa.select(sa.func.coalesce(sa.func.sum(lots.c.remaining), 0)).where(spendable(_MEMBER, _TYPE, _TODAY))
_FEFO = (lots.c.expires_on.is_(None), lots.c.expires_on, lots.c.id)
_SPEND_FROM = sa.select(lots.c.id, lots.c.remaining).where(spendable(_MEMBER, _TYPE, _TODAY)).order_by(*_FEFO)
_TAKE = lots.update().where(lots.c.id == sa.bindparam("b_lot")).values(
    remaining=lots.c.remaining - sa.bindparam("b_take"))


def held(conn: sa.Connection, member_id: str, point_type: str, now: dt.datetime) -> int:
    """Points that tills' open reservations hold (lapsed ones hold nothing)."""
    return int(conn.execute(_HELD, {"b_member": member_id, "b_type": point_type, "b_now": now}).scalar_one())


def available(conn: sa.Connection, member_id: str, point_type: str, today: dt.date, now: dt.datetime) -> int:
    """Points the member may spend now: spendable lots less what reservations hold."""
    total = conn.execute(_SPENDABLE, {"b_member": member_id, "b_type": point_type, "b_today": today}).scalar_one()
    return int(total) - held(conn, member_id, point_type, now)


def debit(conn: sa.Connection, entry: Entry, today: dt.date, *, spendable_only: bool,
          first_lot_of: int | None = None, lot_id: int | None = None) -> int:
    """Post a debit (``entry.points`` negative) and take its points out of lots: the lot
    ``lot_id`` only (expiry), else the lot opened by ledger entry ``first_lot_of`` first
    (a return), then first-expiring-first. With ``spendable_only`` (a redemption) only
    spendable lots count, and too few raise InsufficientPoints; otherwise what no lot
    holds becomes a debt of the account."""
    if entry.points >= 0:
        raise ValueError(f"a debit moves a negative number of points, not {entry.points}")
    lock_account(conn, entry.member_id, entry.point_type)
    wanted = -entry.points
    params = {"b_member": entry.member_id, "b_type": entry.point_type, "b_today": today}
    if lot_id is not None:
        candidates = sa.select(lots.c.id, lots.c.remaining).where(lots.c.id == lot_id)
    elif spendable_only:
        candidates = _SPEND_FROM
    else:
        first = sa.case((lots.c.ledger_id == first_lot_of, 0), else_=1) if first_lot_of is not None else sa.literal(1)
        candidates = sa.select(lots.c.id, lots.c.remaining).where(
            (lots.c.member_id == entry.member_id) & (lots.c.point_type == entry.point_type) & (lots.c.remaining > 0)
        ).order_by(first, *_FEFO)
    taken: list[tuple[int, int]] = []
    for lot in conn.execute(candidates, params):
        if wanted == 0:
            break
        take = min(wanted, int(lot.remaining))
        taken.append((lot.id, take))
        wanted -= take
    if wanted and spendable_only:
        raise InsufficientPoints(entry.member_id, entry.point_type, -entry.points, -entry.points - wanted)
    for lot_key, take in taken:
        conn.execute(_TAKE, {"b_lot": lot_key, "b_take": take})
    return _post(conn, entry)

"""Leader election through the hub database: which ``hub run`` process runs the scheduler.

Two backends, one contract (``Leadership``): ``try_acquire`` takes the lead if nobody
holds it, ``renew`` says whether the lead is still held (and keeps it), ``release``
gives it up so that a standby takes over at once.

- PostgreSQL: a session-level advisory lock held on a connection of its own. The lock
  lives exactly as long as that session: when the leader is killed, its socket closes,
  the server ends the session and the lock is free in the same instant; a standby gets
  it at its next try. ``renew`` checks that the connection still answers.
- SQLite: a lease row (``scheduler_leader``), taken when absent or expired and renewed
  by its holder before it runs out. SQLite is one machine's file, so the processes
  share one clock.

On both, the row records the holder and a term that grows with every change of leader,
so any process (and an administrator) can read who leads.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa

from hub.core.queue.messages import utcnow
from hub.core.scheduling.tables import leaders
from hub.core.store.db import is_sqlite

log = logging.getLogger("hub.scheduler")

ROLE = "scheduler"


def advisory_lock_key(database: str, schema: str) -> int:
    """The scheduler's advisory lock key for the hub in ``schema`` of ``database``.

    Advisory locks are global to a database, not to a schema: two hubs in two schemas
    of one database (tests do this) must not elect one leader between them.
    """
    digest = hashlib.blake2b(f"crm-hub:{ROLE}:{database}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def process_identity() -> str:
    """``host:pid:random``: unique even when a pid is reused after a restart."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Leadership(Protocol):
    """What the scheduler service needs of an election backend."""

    holder: str
    term: int | None

    def try_acquire(self) -> bool:
        """Take the lead if nobody holds it; True when this process now leads."""

    def renew(self) -> bool:
        """Keep the lead; False when it was lost (the caller must stop leading at once)."""

    def release(self) -> None:
        """Give up the lead (a standby takes over at its next try)."""


def _record(conn: sa.Connection, holder: str, now: datetime, lease: timedelta, force: bool) -> int | None:
    """Write ``holder`` into the role's row; without ``force`` only if the row is free
    (absent or expired) or already ours. Returns the term held, None if the row is taken."""
    row = conn.execute(sa.select(leaders.c.holder, leaders.c.term, leaders.c.expires_at)
                       .where(leaders.c.name == ROLE)).first()
    if row is None:
        conn.execute(sa.insert(leaders).values(name=ROLE, holder=holder, term=1, acquired_at=now,
                                               expires_at=now + lease))
        return 1
    if row.holder == holder:
        conn.execute(sa.update(leaders).where(leaders.c.name == ROLE).values(expires_at=now + lease))
        return int(row.term)
    if not force and row.expires_at > now:
        return None
    term = int(row.term) + 1
    conn.execute(sa.update(leaders).where(leaders.c.name == ROLE)
                 .values(holder=holder, term=term, acquired_at=now, expires_at=now + lease))
    return term


class LeaseLock:
    """SQLite: the lead is a lease row, renewed by its holder (BEGIN IMMEDIATE serialises
    the processes' attempts)."""

    def __init__(self, engine: sa.Engine, lease_seconds: float, holder: str | None = None) -> None:
        self.engine = engine
        self.lease = timedelta(seconds=lease_seconds)
        self.holder = holder or process_identity()
        self.term: int | None = None
        self._expires: datetime | None = None

    def try_acquire(self) -> bool:
        now = utcnow()
        with self.engine.begin() as conn:
            self.term = _record(conn, self.holder, now, self.lease, force=False)
        self._expires = now + self.lease if self.term is not None else None
        return self.term is not None

    def renew(self) -> bool:
        if self.term is None:
            return False
        now = utcnow()
        try:
            with self.engine.begin() as conn:
                held = conn.execute(
                    sa.update(leaders)
                    .where(leaders.c.name == ROLE, leaders.c.holder == self.holder, leaders.c.term == self.term)
                    .values(expires_at=now + self.lease)
                ).rowcount == 1
        except sa.exc.DBAPIError as exc:
            # Locked or unreachable: the lease we hold is still ours until it runs out.
            log.warning("scheduler lease not renewed (%s); held until %s", type(exc).__name__, self._expires)
            return self._expires is not None and now < self._expires
        if held:
            self._expires = now + self.lease
        else:
            self.term = self._expires = None
        return held

    def release(self) -> None:
        if self.term is None:
            return
        with self.engine.begin() as conn:
            conn.execute(sa.update(leaders)
                         .where(leaders.c.name == ROLE, leaders.c.holder == self.holder, leaders.c.term == self.term)
                         .values(expires_at=utcnow()))
        self.term = self._expires = None


class AdvisoryLock:
    """PostgreSQL: the lead is a session advisory lock on a connection kept for it."""

    def __init__(self, engine: sa.Engine, lease_seconds: float, holder: str | None = None) -> None:
        self.engine = engine
        self.lease = timedelta(seconds=lease_seconds)
        self.holder = holder or process_identity()
        self.key: int | None = None
        self.term: int | None = None
        self._conn: sa.Connection | None = None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return self.renew()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            if self.key is None:
                where = conn.execute(sa.select(sa.func.current_database(), sa.func.current_schema())).one()
                self.key = advisory_lock_key(where[0], where[1])
            got = bool(conn.execute(sa.select(sa.func.pg_try_advisory_lock(self.key))).scalar_one())
            if got:
                self.term = _record(conn, self.holder, utcnow(), self.lease, force=True)
            conn.commit()  # AUTOCOMMIT: each statement is committed; this ends SQLAlchemy's own bookkeeping
        except BaseException:
            conn.invalidate()
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def renew(self) -> bool:
        if self._conn is None:
            return False
        try:
            _record(self._conn, self.holder, utcnow(), self.lease, force=True)
            self._conn.commit()
        except sa.exc.DBAPIError as exc:
            # The session is gone, and the lock with it: another process may lead already.
            log.warning("scheduler lock connection lost: %s", type(exc).__name__)
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(sa.select(sa.func.pg_advisory_unlock(self.key)))
            self._conn.commit()
        except sa.exc.DBAPIError:
            self._drop()
            return
        self._conn.close()
        self._conn = None
        self.term = None

    def _drop(self) -> None:
        assert self._conn is not None
        self._conn.invalidate()
        self._conn.close()
        self._conn = None
        self.term = None


def leadership_for(engine: sa.Engine, lease_seconds: float, holder: str | None = None) -> Leadership:
    """The election backend for the hub database: a lease row on SQLite, an advisory lock elsewhere."""
    if is_sqlite(engine):
        return LeaseLock(engine, lease_seconds, holder)
    return AdvisoryLock(engine, lease_seconds, holder)

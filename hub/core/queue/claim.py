"""Claiming queue heads under a lease, and recording what delivery did, in batches.

One transaction claims up to ``batch_size`` due queues (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so concurrent workers take disjoint queues; SQLite serialises writers)
and reads the next messages of each. A second transaction records every outcome of
the batch. Order within a queue holds because a queue is leased to one worker at a
time and its ``done_seq`` only moves forward past messages that were delivered or
skipped; a lease that expired (its worker died) makes the queue due again, and the
new claim bumps ``lease_token`` so that a late worker's results are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from hub.core.queue.enqueue import dialect_insert
from hub.core.queue.hotsql import hot_statements
from hub.core.queue.tables import messages, queues
from hub.core.store.tables import KeyMapRow
from hub.core.store.types import UTCDateTime

key_map = KeyMapRow.__table__

MESSAGE_COLUMNS = (
    "id", "queue", "seq", "system", "transport", "kind", "doc_type", "hub_id", "version",
    "payload", "idempotency_key", "status", "attempts",
)


@dataclass
class ClaimedQueue:
    """A queue leased to this worker with its next messages (oldest first)."""

    name: str
    token: int
    done_seq: int
    lease_expires_at: datetime
    attempts: int = 0
    last_error: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class QueueOutcome:
    """What delivery did to one claimed queue, ready to be recorded.

    ``message_updates`` carry, per message touched, its id, new status, attempts, next
    attempt time, error, finish time and the two history ``records`` of the attempt; ``done_seq`` is the position up to
    which the queue is finished; ``blocked``/``next_due`` say how the queue goes on.
    """

    queue: ClaimedQueue
    done_seq: int
    message_updates: list[dict[str, Any]] = field(default_factory=list)
    key_rows: list[dict[str, Any]] = field(default_factory=list)
    blocked: bool = False
    next_due: datetime | None = None
    attempts: int = 0
    last_error: str | None = None


_q = queues.c
_LEASE = (
    queues.update()
    .where(_q.name.in_(
        sa.select(_q.name).where(_q.due_at <= sa.bindparam("now", type_=UTCDateTime))
        .order_by(_q.due_at).limit(sa.bindparam("batch"))
        .with_for_update(skip_locked=True).scalar_subquery()
    ))
    .values(lease_owner=sa.bindparam("owner"), lease_token=_q.lease_token + 1,
            lease_expires_at=sa.bindparam("expires", type_=UTCDateTime),
            due_at=sa.bindparam("expires", type_=UTCDateTime),
            updated_at=sa.bindparam("now", type_=UTCDateTime))
    .returning(_q.name, _q.lease_token, _q.done_seq, _q.attempts, _q.last_error)
)
_m = messages.c
_NEXT_MESSAGES = (
    sa.select(*(_m[name] for name in MESSAGE_COLUMNS))
    .join(queues, queues.c.name == _m.queue)
    .where(queues.c.name.in_(sa.bindparam("names", expanding=True)), _m.seq > queues.c.done_seq,
           _m.seq <= queues.c.done_seq + sa.bindparam("per_queue", type_=sa.BigInteger))
    .order_by(_m.queue, _m.seq)
)
_KNOWN_IDS = (
    sa.select(key_map.c.system, key_map.c.object_type, key_map.c.hub_id, key_map.c.external_id)
    .where(key_map.c.hub_id.in_(sa.bindparam("hub_ids", expanding=True)))
    .order_by(key_map.c.created_at, key_map.c.external_id)
)


_ANY_DUE = sa.select(_q.name).where(_q.due_at <= sa.bindparam("now", type_=UTCDateTime)).limit(1)


def anything_due(conn: sa.Connection, now: datetime) -> bool:
    """Whether any queue may be claimed now: a cheap read before taking the write lock."""
    return conn.execute(_ANY_DUE, {"now": now}).first() is not None


def claim(
    conn: sa.Connection, owner: str, now: datetime, lease_seconds: float,
    batch_size: int, per_queue_batch: int,
) -> list[ClaimedQueue]:
    """Lease up to ``batch_size`` due queues to ``owner`` and read their next messages."""
    expires = now + timedelta(seconds=lease_seconds)
    leased = conn.execute(
        _LEASE, {"now": now, "batch": batch_size, "owner": owner, "expires": expires}).all()
    if not leased:
        return []
    claimed = {row.name: ClaimedQueue(
        row.name, row.lease_token, row.done_seq, expires, row.attempts, row.last_error) for row in leased}
    per_queue = max(1, min(per_queue_batch, batch_size // len(claimed)))
    rows = conn.execute(_NEXT_MESSAGES, {"names": list(claimed), "per_queue": per_queue}).mappings()
    for row in rows:
        claimed[row["queue"]].messages.append(dict(row))
    return list(claimed.values())


def known_external_ids(conn: sa.Connection, claimed: list[ClaimedQueue]) -> dict[tuple[str, str, str], list[str]]:
    """(system, doc_type, hub_id) -> external ids already in the key map, for the batch."""
    hub_ids = sorted({msg["hub_id"] for cq in claimed for msg in cq.messages})
    known: dict[tuple[str, str, str], list[str]] = {}
    for start in range(0, len(hub_ids), 500):
        for row in conn.execute(_KNOWN_IDS, {"hub_ids": hub_ids[start : start + 500]}):
            known.setdefault((row.system, row.object_type, row.hub_id), []).append(row.external_id)
    return known


def record(conn: sa.Connection, owner: str, outcomes: list[QueueOutcome], now: datetime) -> list[str]:
    """Write the outcomes of queues still leased to ``owner`` with the same token.

    Returns the names of queues whose results were refused because the lease was
    lost meanwhile (it expired and another worker claimed the queue); that worker
    delivers those messages again under the same idempotency keys.
    """
    if not outcomes:
        return []
    c = queues.c
    names = sorted(o.queue.name for o in outcomes)
    current = {
        row.name: (row.lease_owner, row.lease_token)
        for row in conn.execute(
            sa.select(c.name, c.lease_owner, c.lease_token).where(c.name.in_(names))
            .order_by(c.name).with_for_update()
        )
    }
    kept: list[QueueOutcome] = []
    refused: list[str] = []
    for outcome in outcomes:
        if current.get(outcome.queue.name) == (owner, outcome.queue.token):
            kept.append(outcome)
        else:
            refused.append(outcome.queue.name)
    sql = hot_statements(conn.dialect.name)
    updates = [sql.message_params(u) for o in kept for u in o.message_updates]
    if updates:
        conn.exec_driver_sql(sql.update_message, updates)
    key_rows = [row for o in kept for row in o.key_rows]
    if key_rows:
        conn.execute(dialect_insert(conn, key_map).on_conflict_do_nothing(), key_rows)
    if kept:
        conn.exec_driver_sql(sql.update_queue, [
            sql.queue_params(o.queue.name, o.queue.token, o.done_seq, o.blocked, o.next_due or now,
                             o.attempts, o.last_error, now)
            for o in kept
        ])
    return refused

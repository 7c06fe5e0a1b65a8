"""Claiming queue heads under a lease, and recording what delivery did, in batches.

One transaction claims due queues (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
concurrent workers take disjoint queues; SQLite serialises writers) and reads the next
messages of each, up to ``batch_size`` messages in all. A second transaction records
every outcome of the batch. Order within a queue holds because a queue is leased to
one worker at a time and its ``done_seq`` only moves forward past messages that were
delivered or skipped; a lease that expired (its worker died) makes the queue due
again, and the new claim bumps ``lease_token`` so that a late worker's results are
refused.

How many queues one claim leases is judged from the last claim (``ClaimSize``): the
costs per queue (lease, record) are about as large as those per message, so a batch
of 2,000 messages is better taken as 100 queues with 20 each than as 1,000 with 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from hub.core.queue.hotsql import MessageUpdate, hot_statements
from hub.core.queue.outbox import dialect_insert
from hub.core.queue.tables import queues
from hub.core.store.tables import KeyMapRow
from hub.core.store.types import UTCDateTime

key_map = KeyMapRow.__table__


@dataclass
class ClaimedQueue:
    """A queue leased to this worker with its next messages (oldest first).

    ``last_seq`` is the queue's last position when it was claimed: its depth then
    was ``last_seq - done_seq``.
    """

    name: str
    token: int
    done_seq: int
    lease_expires_at: datetime
    attempts: int = 0
    last_error: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    last_seq: int = 0


@dataclass
class QueueOutcome:
    """What delivery did to one claimed queue, ready to be recorded.

    ``message_updates`` hold, per message attempted, its new status, attempts, times,
    error and the two history records of the attempt; ``done_seq`` is the position up
    to which the queue is finished; ``blocked``/``next_due`` say how the queue goes on.
    """

    queue: ClaimedQueue
    done_seq: int
    message_updates: list[MessageUpdate] = field(default_factory=list)
    key_rows: list[dict[str, Any]] = field(default_factory=list)
    blocked: bool = False
    next_due: datetime | None = None
    attempts: int = 0
    last_error: str | None = None


class ClaimSize:
    """How many queues to lease next, so that a claim holds about ``batch_size`` messages.

    Starts at ``batch_size / per_queue_batch`` queues (as many as could fill a batch
    if each were deep), then follows the depth of the queues the last claim found:
    ``batch_size`` divided by the messages each of them could give (at most
    ``per_queue_batch``). Starting narrow matters when several workers start on a
    backlog: a first claim as wide as ``batch_size`` leased every queue of the bench's
    1,000 to one worker, for two messages each, while the other workers found nothing
    due, and each wide claim pays the per-queue costs for few messages. The narrow
    first claim costs at most one small batch when the queues are shallow.
    """

    def __init__(self, batch_size: int, per_queue_batch: int) -> None:
        self._batch = batch_size
        self._per_queue = per_queue_batch
        self.queues = max(1, batch_size // per_queue_batch)

    def observe(self, claimed: list[ClaimedQueue]) -> None:
        """Adjust ``queues`` after a claim that leased ``claimed`` (none: no change)."""
        if not claimed:
            return
        takes = sum(max(1, min(q.last_seq - q.done_seq, self._per_queue)) for q in claimed)
        self.queues = max(1, min(self._batch, round(self._batch * len(claimed) / takes)))


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
    .returning(_q.name, _q.lease_token, _q.done_seq, _q.last_seq, _q.attempts, _q.last_error)
)
_KNOWN_IDS = (
    sa.select(key_map.c.system, key_map.c.object_type, key_map.c.hub_id, key_map.c.external_id)
    .where(key_map.c.hub_id.in_(sa.bindparam("hub_ids", expanding=True)))
    .order_by(key_map.c.created_at, key_map.c.external_id)
)
_ANY_DUE = sa.select(_q.name).where(_q.due_at <= sa.bindparam("now", type_=UTCDateTime)).limit(1)
_LEASE_TOKENS = sa.select(_q.name, _q.lease_token).where(
    _q.name.in_(sa.bindparam("names", expanding=True)))


def anything_due(conn: sa.Connection, now: datetime) -> bool:
    """Whether any queue may be claimed now: a cheap read before taking the write lock."""
    return conn.execute(_ANY_DUE, {"now": now}).first() is not None


def claim(
    conn: sa.Connection, owner: str, now: datetime, lease_seconds: float,
    batch_size: int, per_queue_batch: int, max_queues: int | None = None,
) -> list[ClaimedQueue]:
    """Lease up to ``max_queues`` (default ``batch_size``) due queues to ``owner`` and
    read their next messages: at most ``per_queue_batch`` each, ``batch_size`` in all."""
    claimed = lease(conn, owner, now, lease_seconds, max_queues or batch_size)
    read_messages(conn, claimed, batch_size, per_queue_batch)
    return claimed


def lease(
    conn: sa.Connection, owner: str, now: datetime, lease_seconds: float, max_queues: int
) -> list[ClaimedQueue]:
    """Lease up to ``max_queues`` due queues to ``owner`` (their messages not read yet).

    Once committed, the lease is the worker's alone to deliver under, so the messages
    may be read afterwards without holding SQLite's write lock (``read_messages``).
    """
    expires = now + timedelta(seconds=lease_seconds)
    if conn.dialect.name == "postgresql":
        # Delivery need not wait for the lease to reach the disk (a flush per batch, ~4 ms):
        # a lease lost in a server crash makes the queue due again, and its messages go
        # out again under the same idempotency keys, as after a worker's crash. A later
        # synchronous commit (the record) flushes this one with it.
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
    leased = conn.execute(_LEASE, {
        "now": now, "batch": max_queues, "owner": owner, "expires": expires}).all()
    return [ClaimedQueue(row.name, row.lease_token, row.done_seq, expires, row.attempts, row.last_error,
                         last_seq=row.last_seq) for row in leased]


def read_messages(
    conn: sa.Connection, claimed: list[ClaimedQueue], batch_size: int, per_queue_batch: int
) -> None:
    """Fill ``claimed`` with their next messages: at most ``per_queue_batch`` each and
    about ``batch_size`` in all."""
    if not claimed:
        return
    by_name = {queue.name: queue for queue in claimed}
    per_queue = max(1, min(per_queue_batch, batch_size // len(claimed)))
    sql = hot_statements(conn.dialect.name)
    rows = conn.exec_driver_sql(sql.next_messages, (per_queue, sql.names(list(by_name)))).all()
    for msg in sql.messages(rows):
        by_name[msg["queue"]].messages.append(msg)
    for queue in claimed:
        queue.messages.sort(key=_seq)


def _seq(msg: dict[str, Any]) -> int:
    return msg["seq"]


def known_external_ids(conn: sa.Connection, claimed: list[ClaimedQueue]) -> dict[tuple[str, str, str], list[str]]:
    """(system, doc_type, hub_id) -> external ids already in the key map, for the batch."""
    hub_ids = sorted({msg["hub_id"] for cq in claimed for msg in cq.messages})
    known: dict[tuple[str, str, str], list[str]] = {}
    for start in range(0, len(hub_ids), 500):
        for row in conn.execute(_KNOWN_IDS, {"hub_ids": hub_ids[start : start + 500]}):
            known.setdefault((row.system, row.object_type, row.hub_id), []).append(row.external_id)
    return known


@dataclass
class PreparedRecord:
    """Outcomes of a batch turned into statement parameters, before the transaction
    (so SQLite's write lock is not held while Python builds them).

    ``outcomes`` are in queue-name order; ``queue_rows[i]`` and ``message_rows[i]`` are
    the parameters of ``outcomes[i]``.
    """

    outcomes: list[QueueOutcome]
    queue_rows: list[tuple[Any, ...]]
    message_rows: list[list[tuple[Any, ...]]]


def prepare(dialect_name: str, owner: str, outcomes: list[QueueOutcome], now: datetime) -> PreparedRecord:
    """Parameters to record ``outcomes`` of queues leased to ``owner``."""
    sql = hot_statements(dialect_name)
    ordered = sorted(outcomes, key=_queue_name)
    return PreparedRecord(
        ordered,
        [sql.queue_params(o.queue.name, o.queue.token, owner, o.done_seq, o.blocked, o.next_due or now,
                          o.attempts, o.last_error, now) for o in ordered],
        [[sql.message_params(u) for u in o.message_updates] for o in ordered],
    )


def record(conn: sa.Connection, owner: str, outcomes: list[QueueOutcome], now: datetime) -> list[str]:
    """Write the outcomes of queues still leased to ``owner`` with the same token.

    Returns the names of queues whose results were refused because the lease was
    lost meanwhile (it expired and another worker claimed the queue); that worker
    delivers those messages again under the same idempotency keys.
    """
    return write(conn, prepare(conn.dialect.name, owner, outcomes, now))


def write(conn: sa.Connection, prepared: PreparedRecord) -> list[str]:
    """``record`` with parameters prepared beforehand; returns the refused queue names.

    Locks are taken in the order every posting takes them: the key map first, then the
    queue rows. The ids peers assigned go into the key map before anything else, sorted
    (an inbound posting links the same ERP number when the ERP's confirmation overtakes
    this record, and then enqueues to these very queues; updating the queue rows first
    deadlocked the two). They go in whether or not the lease still holds: the peer did
    assign them, and a redelivery under the same idempotency key answers the same id.
    The queue rows are then updated in name order, each only while it still carries this
    worker's owner and token. When every row matched, the batch is whole; otherwise the
    rows that did not match are found and their messages are left alone.
    """
    if not prepared.outcomes:
        return []
    key_rows = sorted((row for o in prepared.outcomes for row in o.key_rows), key=_key_of)
    if key_rows:
        conn.execute(dialect_insert(conn, key_map).on_conflict_do_nothing(), key_rows)
    sql = hot_statements(conn.dialect.name)
    matched = conn.exec_driver_sql(sql.update_queue, prepared.queue_rows).rowcount
    held = [True] * len(prepared.outcomes)
    refused: list[str] = []
    if matched != len(prepared.outcomes):
        held, refused = _still_held(conn, prepared.outcomes)
    rows = [row for keep, rows in zip(held, prepared.message_rows, strict=True) if keep for row in rows]
    if rows:
        sql.update_messages(conn, rows)
    return refused


def _key_of(row: dict[str, Any]) -> tuple[str, str, str]:
    return row["system"], row["object_type"], row["external_id"]


def _queue_name(outcome: QueueOutcome) -> str:
    return outcome.queue.name


def _still_held(conn: sa.Connection, ordered: list[QueueOutcome]) -> tuple[list[bool], list[str]]:
    """Per outcome, whether this worker still held its queue, and the names it lost.

    Read after the guarded update, which cleared the owner of the rows it matched but
    kept their token; a queue claimed again since has a higher token.
    """
    names = [o.queue.name for o in ordered]
    tokens = {row.name: row.lease_token for row in conn.execute(_LEASE_TOKENS, {"names": names})}
    held = [tokens.get(o.queue.name) == o.queue.token for o in ordered]
    return held, [name for name, keep in zip(names, held, strict=True) if not keep]

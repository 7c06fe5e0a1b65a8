"""Putting messages into queues, inside the caller's transaction (the outbox).

``enqueue`` reserves positions by bumping each queue's ``last_seq`` (one upsert per
distinct queue, sorted so concurrent writers on PostgreSQL lock rows in the same order
and cannot deadlock) and bulk-inserts the messages. Because the counter and the rows
are written in the same transaction, positions have no gaps and a queue's order is
the order in which the writing transactions committed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.core.errors import DocumentError
from hub.core.events import DocumentChange
from hub.core.queue.messages import QUEUED, NewMessage, status_record, utcnow
from hub.core.queue.tables import messages, queues
from hub.core.store.bulk import insert_columns, one_of

if TYPE_CHECKING:
    from hub.core.plugins import HubPlugins
    from hub.core.plugins.contracts import WantsChange

INSERT_CHUNK = 2_000
UPSERT_KIND = "upsert"


def dialect_insert(conn: sa.Connection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that knows ON CONFLICT, for the connection's database."""
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def _check(message: NewMessage, queue_system: dict[str, str]) -> None:
    where = f"message for queue {message.queue!r}"
    for name in ("system", "queue", "kind", "doc_type", "hub_id"):
        if not getattr(message, name):
            raise DocumentError(where, name, "must not be empty")
    if not isinstance(message.payload, dict):
        raise DocumentError(where, "payload", f"must be a JSON object, not {type(message.payload).__name__}")
    system = queue_system.setdefault(message.queue, message.system)
    if system != message.system:
        raise DocumentError(where, "system", f"queue belongs to {system!r}, message is for {message.system!r}")


@functools.cache
def _reserve_statement(dialect: str, returning: bool = True) -> sa.Insert:
    """The upsert that bumps one queue's ``last_seq`` (returning it, or not), built once
    per dialect: building it (its ``excluded`` columns above all) cost more than running it."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(queues)
    c = queues.c
    runnable_idle = sa.and_(c.due_at.is_(None), sa.not_(c.stopped), sa.not_(c.blocked))
    upsert = insert.on_conflict_do_update(
        index_elements=[c.name],
        set_={
            "last_seq": c.last_seq + insert.excluded.last_seq,
            "due_at": sa.case((runnable_idle, insert.excluded.due_at), else_=c.due_at),
            "updated_at": insert.excluded.updated_at,
        },
    )
    return upsert.returning(c.name, c.last_seq) if returning else upsert


@functools.cache
def _last_seqs(dialect: str) -> sa.Select[str, int]:
    return sa.select(queues.c.name, queues.c.last_seq).where(one_of(dialect, queues.c.name, "b_names"))


def _reserve(conn: sa.Connection, counts: Sequence[tuple[str, str, int]], now: datetime) -> dict[str, int]:
    """Bump ``last_seq`` of each (queue, system, n); returns each queue's new ``last_seq``.

    All queues in one execution: on PostgreSQL, SQLAlchemy sends the rows as multi-row
    upserts with RETURNING ("insertmanyvalues"), in the order given, so locks are still
    taken in the sorted order. A batch of new orders is a queue each; one statement per
    queue was most of the outbox's time.

    On SQLite the single-row upsert runs for every queue (one ``executemany``), and the
    new ``last_seq`` values are read back in one query. The multi-row form's SQL text
    differs with every number of queues, and the driver keeps each statement it prepared
    (up to 128, the largest a megabyte of SQLite's heap): a list import's heap grew by
    about 400 bytes per row until that cache was full. This way there are two texts."""
    rows = [{"name": name, "system": system, "last_seq": n, "done_seq": 0, "stopped": False, "blocked": False,
             "due_at": now, "lease_token": 0, "attempts": 0, "updated_at": now} for name, system, n in counts]
    dialect = conn.dialect.name
    if dialect == "sqlite":
        conn.execute(_reserve_statement(dialect, returning=False), rows)
        return dict(conn.execute(_last_seqs(dialect), {"b_names": [name for name, _, _ in counts]}).all())
    return {name: last_seq for name, last_seq in conn.execute(_reserve_statement(dialect), rows)}


def enqueue(conn: sa.Connection, new_messages: Iterable[NewMessage], now: datetime | None = None) -> int:
    """Append messages to their queues within the caller's open transaction.

    Messages of one queue keep the order given. Returns how many were enqueued.
    Raises DocumentError for a message without system, queue, kind, doc_type or
    hub_id, or for a queue given messages for two systems.
    """
    now = now or utcnow()
    by_queue: dict[str, list[NewMessage]] = {}
    queue_system: dict[str, str] = {}
    for message in new_messages:
        _check(message, queue_system)
        by_queue.setdefault(message.queue, []).append(message)
    if not by_queue:
        return 0
    names = sorted(by_queue)
    last = _reserve(conn, [(name, queue_system[name], len(by_queue[name])) for name in names], now)
    history = [status_record(QUEUED, now)]
    ordered: list[tuple[str, int, NewMessage]] = []
    for name in names:
        batch = by_queue[name]
        first = last[name] - len(batch) + 1
        ordered += [(name, first + offset, message) for offset, message in enumerate(batch)]
    for start in range(0, len(ordered), INSERT_CHUNK):
        chunk = ordered[start : start + INSERT_CHUNK]
        # Column by column through the bulk path: a list import enqueues a message per row,
        # and SQLAlchemy's per-row parameter handling cost more than the inserts.
        insert_columns(conn, messages, {
            "queue": [name for name, _, _ in chunk], "seq": [seq for _, seq, _ in chunk],
            "system": [m.system for _, _, m in chunk], "transport": [m.transport for _, _, m in chunk],
            "kind": [m.kind for _, _, m in chunk], "doc_type": [m.doc_type for _, _, m in chunk],
            "hub_id": [m.hub_id for _, _, m in chunk], "version": [m.version for _, _, m in chunk],
            "payload": [m.payload for _, _, m in chunk],
            "idempotency_key": [m.idempotency_key or f"{name}#{seq}" for name, seq, m in chunk],
            "status": [QUEUED] * len(chunk), "attempts": [0] * len(chunk), "history": [history] * len(chunk),
            "created_at": [now] * len(chunk),
        })
    return len(ordered)


def object_queue(system: str, doc_type: str, hub_id: str) -> str:
    """The queue of one canonical object in one system: ``system:doc_type:hub_id``.

    Keyed by hub id so a create and its later updates share one queue even before the
    peer assigned its own number.
    """
    return f"{system}:{doc_type}:{hub_id}"


class OutboxListener:
    """The master-data ``ChangeListener`` that turns a canonical change into messages.

    One ``upsert`` message per transport or subscription that takes the change's
    document type, except those of the system the change came from (no echo; a
    subscription may ask for its own system's changes too) and those of a subscription
    whose ``wants`` turns the change down. Runs inside the changes' transaction, so the
    changes and their messages commit or fail together; a batch's messages are enqueued
    in one go.
    """

    def __init__(self, plugins: HubPlugins) -> None:
        self._targets: dict[str, list[tuple[str, str, bool, WantsChange | None]]] = {}
        for target in plugins.targets():
            for doc_type in target.document_types:
                self._targets.setdefault(doc_type, []).append(
                    (target.system, target.transport, target.own_changes, target.wants))

    def targets(self, doc_type: str) -> list[tuple[str, str]]:
        """(system, transport) pairs that receive documents of ``doc_type``."""
        return [(system, transport) for system, transport, _, _ in self._targets.get(doc_type, ())]

    def __call__(self, conn: sa.Connection, changes: Sequence[DocumentChange]) -> None:
        enqueue(conn, [
            NewMessage(
                system=system,
                queue=object_queue(system, change.doc_type, change.hub_id),
                kind=UPSERT_KIND,
                doc_type=change.doc_type,
                hub_id=change.hub_id,
                version=change.version,
                payload={"doc_type": change.doc_type, "version": change.version, "created": change.created,
                         "source": change.source_system, "data": change.data},
                idempotency_key=f"{system}/{transport}:{change.hub_id}:v{change.version}",
                transport=transport,
            )
            for change in changes
            for system, transport, own_changes, wants in self._targets.get(change.doc_type, ())
            if (own_changes or system != change.source_system)
            and (wants is None or wants(change.doc_type, change.data))
        ])

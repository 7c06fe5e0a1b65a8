"""The statements a worker runs for every message, at driver level.

Claiming and recording a batch is the hub's hottest path: at 10,000 messages a second,
the cost of building and type-processing parameters and result rows per message in
SQLAlchemy is larger than the database's own work. These statements are therefore
written once per dialect and executed with ``exec_driver_sql`` and plain tuples, with
values converted exactly as the column types would (``UTCDateTime`` on SQLite is
``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, JSON is text). History records are appended in
SQL, so the worker never reads a message's history back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from hub.core.queue.clock import sqlite_utc, utc_datetime

MESSAGE_COLUMNS = (
    "id", "queue", "seq", "system", "transport", "kind", "doc_type", "hub_id", "version",
    "payload", "idempotency_key", "status", "attempts", "created_at",
)
"""Columns of a claimed message, in the order ``next_messages`` returns them; ``created_at``
comes as epoch seconds (the replication latency metric counts from it)."""
PAYLOAD_INDEX = MESSAGE_COLUMNS.index("payload")
CREATED_INDEX = MESSAGE_COLUMNS.index("created_at")


def _sqlite_created(text: str) -> float:
    """Epoch seconds of a ``UTCDateTime`` text as SQLite stores it (``clock.sqlite_utc``)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _pg_created(value: datetime) -> float:
    return value.timestamp()


def _sqlite_time(value: datetime | None) -> str | None:
    return None if value is None else sqlite_utc(value.timestamp())


def _sqlite_epoch(value: float | None) -> str | None:
    return None if value is None else sqlite_utc(value)


def _pg_epoch(value: float | None) -> datetime | None:
    return None if value is None else utc_datetime(value)


def _same(value: Any) -> Any:
    return value


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


@dataclass(slots=True)
class MessageUpdate:
    """What one delivery attempt changes in its message row.

    ``finished_at`` is in epoch seconds (set when the message is delivered or
    confirmed); ``records`` are the two history entries of the attempt (running,
    then its outcome) as JSON text (``messages.attempt_json``).
    """

    id: int
    status: str
    attempts: int
    records: tuple[str, str]
    finished_at: float | None = None
    next_attempt_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class HotStatements:
    """Driver-level SQL and value conversion for one dialect.

    ``message_columns``: ``update_message`` takes one array per column (PostgreSQL's
    ``unnest``) instead of one parameter row per message.
    """

    next_messages: str
    update_message: str
    update_queue: str
    message_columns: bool
    time: Callable[[datetime | None], Any]
    epoch: Callable[[float | None], Any]
    names: Callable[[Sequence[str]], Any]
    payload: Callable[[Any], Any]
    created: Callable[[Any], float]

    def messages(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """Rows of ``next_messages`` as dicts keyed by ``MESSAGE_COLUMNS``."""
        payload, created = self.payload, self.created
        out = []
        for row in rows:
            msg = dict(zip(MESSAGE_COLUMNS, row, strict=True))
            msg["payload"] = payload(row[PAYLOAD_INDEX])
            msg["created_at"] = created(row[CREATED_INDEX])
            out.append(msg)
        return out

    def message_params(self, update: MessageUpdate) -> tuple[Any, ...]:
        """Parameters of ``update_message`` for one attempt."""
        first, second = update.records
        return (update.status, update.attempts, self.time(update.next_attempt_at), update.last_error,
                self.epoch(update.finished_at), first, second, update.id)

    def update_messages(self, conn: sa.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Write message updates (``message_params`` rows): one statement per message on
        SQLite (a loop in C, no round trips), one statement over arrays of each column
        on PostgreSQL (instead of as many statements, each with its own parameter
        handling in the driver)."""
        if self.message_columns:
            conn.exec_driver_sql(self.update_message, tuple(list(column) for column in zip(*rows, strict=True)))
        else:
            conn.exec_driver_sql(self.update_message, rows)

    def queue_params(
        self, name: str, token: int, owner: str, done_seq: int, blocked: bool, next_due: datetime,
        attempts: int, last_error: str | None, now: datetime,
    ) -> tuple[Any, ...]:
        """Parameters of ``update_queue`` for one queue outcome."""
        return (done_seq, blocked, attempts, last_error, self.time(now), blocked, done_seq,
                self.time(next_due), name, token, owner)


def _statements(
    mark: str, update_message: str, message_columns: bool, names_in: str,
    time: Callable[[datetime | None], Any],
    epoch: Callable[[float | None], Any], names: Callable[[Sequence[str]], Any],
    payload: Callable[[Any], Any], created: Callable[[Any], float],
) -> HotStatements:
    p = mark
    return HotStatements(
        # No ORDER BY: rows are grouped by queue and sorted by seq in Python, cheaper
        # than a sort in the database for a batch of a few thousand.
        next_messages=(
            f"SELECT {', '.join('m.' + c for c in MESSAGE_COLUMNS)} FROM queue_state q "
            f"JOIN queue_messages m ON m.queue = q.name AND m.seq > q.done_seq AND m.seq <= q.done_seq + {p} "
            f"WHERE q.name {names_in}"
        ),
        update_message=update_message,
        # Owner and lease token in the WHERE clause guard against a late worker: a
        # queue claimed again since (its lease expired) has a higher token.
        update_queue=(
            f"UPDATE queue_state SET done_seq = {p}, blocked = {p}, attempts = {p}, last_error = {p}, "
            f"lease_owner = NULL, lease_expires_at = NULL, updated_at = {p}, "
            f"due_at = CASE WHEN stopped OR {p} THEN NULL WHEN last_seq > {p} THEN {p} ELSE NULL END "
            f"WHERE name = {p} AND lease_token = {p} AND lease_owner = {p}"
        ),
        message_columns=message_columns, time=time, epoch=epoch, names=names, payload=payload,
        created=created,
    )


SQLITE = _statements(
    "?",
    "UPDATE queue_messages SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, "
    "finished_at = ?, history = json_insert(history, '$[#]', json(?), '$[#]', json(?)) WHERE id = ?",
    False,
    "IN (SELECT value FROM json_each(?))",
    _sqlite_time, _sqlite_epoch, _json_text, orjson.loads, _sqlite_created,
)
POSTGRESQL = _statements(
    "%s",
    "UPDATE queue_messages AS m SET status = v.status, attempts = v.attempts, "
    "next_attempt_at = v.next_attempt_at, last_error = v.last_error, finished_at = v.finished_at, "
    "history = m.history || jsonb_build_array(v.running, v.outcome) "
    "FROM unnest(%s::text[], %s::int[], %s::timestamptz[], %s::text[], %s::timestamptz[], %s::jsonb[], "
    "%s::jsonb[], %s::bigint[]) AS v(status, attempts, next_attempt_at, last_error, finished_at, running, "
    "outcome, id) WHERE m.id = v.id",
    True,
    "= ANY(%s)",
    _same, _pg_epoch, list, _same, _pg_created,
)


def hot_statements(dialect_name: str) -> HotStatements:
    """The statements for ``sqlite`` or ``postgresql``."""
    return POSTGRESQL if dialect_name == "postgresql" else SQLITE

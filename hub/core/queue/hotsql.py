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

from hub.core.queue.clock import sqlite_utc

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


def _same(value: Any) -> Any:
    return value


def _sqlite_message(update: MessageUpdate) -> tuple[Any, ...]:
    first, second = update.records
    return (update.status, update.status, update.attempts, _sqlite_time(update.next_attempt_at),
            update.last_error, _sqlite_epoch(update.finished_at), first, second, update.id)


def _pg_message(update: MessageUpdate) -> dict[str, Any]:
    first, second = update.records
    return {"id": update.id, "status": update.status, "attempts": update.attempts,
            "next_attempt_at": update.next_attempt_at, "last_error": update.last_error,
            "finished_at": update.finished_at, "running": orjson.Fragment(first), "outcome": orjson.Fragment(second)}


def _pg_batch(rows: list[Any]) -> tuple[str]:
    return (orjson.dumps(rows).decode(),)


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

    ``message_params`` turns one ``MessageUpdate`` into what ``update_message`` takes for
    it, ``message_batch`` a batch of those into the parameters of one execution.
    """

    next_messages: str
    update_message: str
    update_queue: str
    message_params: Callable[[MessageUpdate], Any]
    message_batch: Callable[[list[Any]], Any]
    time: Callable[[datetime | None], Any]
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

    def update_messages(self, conn: sa.Connection, rows: list[Any]) -> None:
        """Write message updates (``message_params`` of each): one statement per message on
        SQLite (a loop in C, no round trips), one statement over a JSON document of them
        all on PostgreSQL (``_PG_UPDATE_MESSAGES`` says why)."""
        conn.exec_driver_sql(self.update_message, self.message_batch(rows))

    def queue_params(
        self, name: str, token: int, owner: str, done_seq: int, blocked: bool, next_due: datetime,
        attempts: int, last_error: str | None, now: datetime,
    ) -> tuple[Any, ...]:
        """Parameters of ``update_queue`` for one queue outcome."""
        return (done_seq, blocked, attempts, last_error, self.time(now), blocked, done_seq,
                self.time(next_due), name, token, owner)


def _statements(
    mark: str, update_message: str, message_params: Callable[[MessageUpdate], Any],
    message_batch: Callable[[list[Any]], Any], names_in: str, time: Callable[[datetime | None], Any],
    names: Callable[[Sequence[str]], Any], payload: Callable[[Any], Any], created: Callable[[Any], float],
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
        message_params=message_params, message_batch=message_batch, time=time, names=names, payload=payload,
        created=created,
    )


SQLITE = _statements(
    "?",
    "UPDATE queue_messages SET status = CASE WHEN status = 'confirmed' AND ? = 'delivered' THEN status ELSE ? END, "
    "attempts = ?, next_attempt_at = ?, last_error = ?, "
    "finished_at = ?, history = json_insert(history, '$[#]', json(?), '$[#]', json(?)) WHERE id = ?",
    _sqlite_message, list,
    "IN (SELECT value FROM json_each(?))",
    _sqlite_time, _json_text, orjson.loads, _sqlite_created,
)
_PG_UPDATE_MESSAGES = (
    # One JSON document carries the whole batch: psycopg escapes every element of a text
    # array parameter with a regular expression in Python, and the two history records
    # of each message, full of quotes, made that the largest cost of recording a batch.
    # The join is driven by the primary key: a hash join would read the whole table
    # (every message kept) for each batch.
    # A confirmation that overtook this record (the peer's ALEAUD came in while the worker
    # was still between its delivery and this update) keeps the message confirmed.
    "UPDATE queue_messages AS m SET status = CASE WHEN m.status = 'confirmed' AND v.status = 'delivered' "
    "THEN m.status ELSE v.status END, attempts = v.attempts, "
    "next_attempt_at = v.next_attempt_at, last_error = v.last_error, finished_at = to_timestamp(v.finished_at), "
    "history = m.history || jsonb_build_array(v.running, v.outcome) "
    "FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, status text, attempts int, next_attempt_at timestamptz, "
    "last_error text, finished_at float8, running jsonb, outcome jsonb) WHERE m.id = v.id"
)
POSTGRESQL = _statements(
    "%s", _PG_UPDATE_MESSAGES, _pg_message, _pg_batch, "= ANY(%s)", _same, list, _same, _pg_created,
)


def hot_statements(dialect_name: str) -> HotStatements:
    """The statements for ``sqlite`` or ``postgresql``."""
    return POSTGRESQL if dialect_name == "postgresql" else SQLITE

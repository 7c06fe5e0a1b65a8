"""The two statements a worker runs for every message, at driver level.

Recording a batch is the hub's hottest path: at 10,000 messages a second, the cost of
building and type-processing bound parameters per row in SQLAlchemy is larger than
the database's own work. These statements are therefore written once per dialect and
executed with ``exec_driver_sql`` and plain tuples, with values converted exactly as
the column types would (``UTCDateTime`` on SQLite is ``YYYY-MM-DD HH:MM:SS.ffffff``
in UTC). History records are appended in SQL, so the worker never reads a message's
history back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

_UTC = timezone.utc


def _sqlite_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    v = value.astimezone(_UTC)
    return (f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
            f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}")


def _same(value: Any) -> Any:
    return value


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def json_text(value: Any) -> str:
    """Compact JSON, as appended to history columns (one shared encoder: ``json.dumps``
    with options builds a new one per call)."""
    return _ENCODER.encode(value)


@dataclass(frozen=True)
class HotStatements:
    """Driver-level SQL and value conversion for one dialect."""

    update_message: str
    update_queue: str
    time: Callable[[datetime | None], Any]

    def message_params(self, update: dict[str, Any]) -> tuple[Any, ...]:
        """Parameters of ``update_message`` for one message update (see deliver.py)."""
        first, second = update["records"]
        return (update["status"], update["attempts"], self.time(update["next_attempt_at"]),
                update["last_error"], self.time(update["finished_at"]), json_text(first),
                json_text(second), update["id"])

    def queue_params(
        self, name: str, token: int, done_seq: int, blocked: bool, next_due: datetime,
        attempts: int, last_error: str | None, now: datetime,
    ) -> tuple[Any, ...]:
        """Parameters of ``update_queue`` for one queue outcome."""
        return (done_seq, blocked, attempts, last_error, self.time(now), blocked, done_seq,
                self.time(next_due), name, token)


def _statements(mark: str, append: str, time: Callable[[datetime | None], Any]) -> HotStatements:
    p = mark
    return HotStatements(
        update_message=(
            f"UPDATE queue_messages SET status = {p}, attempts = {p}, next_attempt_at = {p}, "
            f"last_error = {p}, finished_at = {p}, history = {append} WHERE id = {p}"
        ),
        update_queue=(
            f"UPDATE queue_state SET done_seq = {p}, blocked = {p}, attempts = {p}, last_error = {p}, "
            f"lease_owner = NULL, lease_expires_at = NULL, updated_at = {p}, "
            f"due_at = CASE WHEN stopped OR {p} THEN NULL WHEN last_seq > {p} THEN {p} ELSE NULL END "
            f"WHERE name = {p} AND lease_token = {p}"
        ),
        time=time,
    )


SQLITE = _statements("?", "json_insert(history, '$[#]', json(?), '$[#]', json(?))", _sqlite_time)
POSTGRESQL = _statements(
    "%s", "history || jsonb_build_array(CAST(%s AS jsonb), CAST(%s AS jsonb))", _same)


def hot_statements(dialect_name: str) -> HotStatements:
    """The statements for ``sqlite`` or ``postgresql``."""
    return POSTGRESQL if dialect_name == "postgresql" else SQLITE

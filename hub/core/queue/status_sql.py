"""The queue status read through the database driver alone, for a command-line
``hub status`` that must answer in a fraction of a second.

Importing SQLAlchemy costs a fresh process more than the status query itself, even
with a million messages stored (``bench/status.py``), so the command-line status
(``hub.cli.quick_status``) runs these queries on a DB-API connection of the standard
library's ``sqlite3`` or of psycopg. They are the SQL that ``hub.core.queue.status``
and ``hub.core.store.inbound_counts`` make with SQLAlchemy, written out once more; a
test runs both on the same databases (SQLite and PostgreSQL) and requires the same
report, so the two cannot drift apart.

Timestamps: SQLite keeps them as UTC text (``YYYY-MM-DD HH:MM:SS.ffffff``, the format
of SQLAlchemy's SQLite ``DateTime``), which compares correctly as text; PostgreSQL as
``timestamptz``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from hub.core.queue.status_view import ACTIVE_QUEUE_CONDITION, ShownRow, StatusReport, view_of

ATTENTION_STATUSES = ("failed", "conflict", "waiting")
"""As ``hub.core.store.inbound_counts.ATTENTION_STATUSES`` (a test checks they agree)."""
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"

_TOTALS = f"""
SELECT count(*), coalesce(sum(last_seq - done_seq), 0),
       coalesce(sum(CASE WHEN blocked THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN stopped THEN 1 ELSE 0 END), 0),
       coalesce(sum(CASE WHEN lease_expires_at > :now THEN 1 ELSE 0 END), 0)
FROM queue_state WHERE ({ACTIVE_QUEUE_CONDITION}) {{system}}"""

_COLUMNS = ("name, system, last_seq, done_seq, stopped, blocked, due_at, lease_owner, lease_expires_at, attempts,"
            " last_error")
_WORST_FIRST = "blocked DESC, stopped DESC, last_seq - done_seq DESC, name"
# The worst queues first, then each one's head message by the unique (queue, seq):
# one index search per shown queue, as in ``hub.core.queue.status``.
_SHOWN = f"""
SELECT {_COLUMNS},
       (SELECT m.created_at FROM queue_messages m WHERE m.queue = shown.name AND m.seq = shown.done_seq + 1)
FROM (SELECT {_COLUMNS} FROM queue_state WHERE ({ACTIVE_QUEUE_CONDITION}) {{system}}
      ORDER BY {_WORST_FIRST} {{limit}}) AS shown
ORDER BY {_WORST_FIRST}"""

_INBOUND = f"""
SELECT system, status, count(*) FROM inbound_payloads
WHERE status IN ({", ".join(f"'{s}'" for s in ATTENTION_STATUSES)}) {{system}}
GROUP BY system, status ORDER BY system, status"""

_INBOX = "SELECT count(*) FROM inbound_inbox WHERE 1 = 1 {system}"


class Reader:
    """Runs the status queries on one DB-API connection (``sqlite3`` or psycopg);
    ``missing_table`` is the driver's error for a table that does not exist."""

    def __init__(self, connection: Any, backend: str, missing_table: type[Exception]) -> None:
        self.connection = connection
        self.backend = backend
        self.missing_table = missing_table

    def _sql(self, text: str) -> str:
        # Both drivers are handed named parameters: ``:name`` for sqlite3, ``%(name)s`` for psycopg.
        return text if self.backend == "sqlite" else re.sub(r":(\w+)", r"%(\1)s", text)

    def rows(self, text: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Every row of one query."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(self._sql(text), params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def time(self, value: Any) -> datetime | None:
        """A stored timestamp as an aware UTC datetime."""
        if value is None or isinstance(value, datetime):
            return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
        return datetime.fromisoformat(value).replace(tzinfo=UTC)

    def bound_time(self, value: datetime) -> Any:
        """``value`` as the database compares it with stored timestamps."""
        if self.backend == "sqlite":
            return value.astimezone(UTC).strftime(SQLITE_TIME)
        return value

    def revision(self) -> str | None:
        """The schema revision the database is at; None without a hub schema."""
        try:
            found = self.rows("SELECT version_num FROM alembic_version", {})
        except self.missing_table:
            self.connection.rollback()
            return None
        return found[0][0] if found else None


def _system_filter(system: str | None) -> str:
    return "AND system = :system" if system else ""


def queue_status(reader: Reader, now: datetime, limit: int | None = 100, system: str | None = None) -> StatusReport:
    """What ``hub.core.queue.status.queue_status`` answers, read through the driver."""
    params: dict[str, Any] = {"now": reader.bound_time(now), "system": system}
    where = _system_filter(system)
    queues, waiting, blocked, stopped, running = reader.rows(_TOTALS.format(system=where), params)[0]
    totals = {"queues": int(queues), "messages_waiting": int(waiting), "blocked": int(blocked),
              "stopped": int(stopped), "running": int(running)}
    shown_sql = _SHOWN.format(system=where, limit="" if limit is None else "LIMIT :limit")
    shown = []
    for row in reader.rows(shown_sql, {**params, "limit": limit}):
        (name, row_system, last_seq, done_seq, is_stopped, is_blocked, due_at, lease_owner, lease_expires_at,
         attempts, last_error, oldest_at) = row
        shown.append(ShownRow(name, row_system, int(last_seq), int(done_seq), bool(is_stopped), bool(is_blocked),
                              reader.time(due_at), lease_owner, reader.time(lease_expires_at), int(attempts),
                              last_error, reader.time(oldest_at)))
    return StatusReport([view_of(row, now) for row in shown], totals)


def inbound_attention(reader: Reader, system: str | None = None) -> dict[str, dict[str, int]]:
    """What ``hub.core.store.inbound_counts.inbound_attention`` answers."""
    counts: dict[str, dict[str, int]] = {}
    for row_system, status, n in reader.rows(_INBOUND.format(system=_system_filter(system)), {"system": system}):
        counts.setdefault(row_system, {})[status] = int(n)
    return counts


def inbox_waiting(reader: Reader, system: str | None = None) -> int:
    """What ``hub.core.store.inbound_counts.inbox_waiting`` answers."""
    return int(reader.rows(_INBOX.format(system=_system_filter(system)), {"system": system})[0][0])

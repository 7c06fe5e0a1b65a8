"""The queue status (``hub status``): queues with work or trouble, the worst first.

``queue_status`` reads only ``queue_state`` rows with work or trouble (a partial
index covers exactly those): one aggregate for the totals, and one query for the
shown queues that looks up each one's head message by the unique (queue, seq), so a
shown queue costs one index search however many messages are stored.

This module reads the two tables through light SQLAlchemy Core clauses naming just
the columns it needs, not through the SQLModel table classes: importing those pulls in
sqlmodel, the ORM and every table of the store, which cost a command-line ``hub
status`` more time than the query itself. A test checks the clauses against the
tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.core.queue.status_view import (
    ACTIVE_QUEUE_CONDITION,
    QUEUE_STATES,
    QueueView,
    ShownRow,
    StatusReport,
    queue_state_name,
    view_of,
)
from hub.core.store.datetimes import UTCDateTime

__all__ = ["ACTIVE_QUEUE_CONDITION", "QUEUE_STATES", "QueueView", "StatusReport", "queue_state_name",
           "queue_status"]

queues = sa.table(
    "queue_state",
    sa.column("name", sa.String), sa.column("system", sa.String),
    sa.column("last_seq", sa.BigInteger), sa.column("done_seq", sa.BigInteger),
    sa.column("stopped", sa.Boolean), sa.column("blocked", sa.Boolean),
    sa.column("due_at", UTCDateTime), sa.column("lease_owner", sa.String),
    sa.column("lease_expires_at", UTCDateTime), sa.column("attempts", sa.Integer),
    sa.column("last_error", sa.Text),
)
"""The columns of ``queue_state`` the status reads."""

message_heads = sa.table(
    "queue_messages",
    sa.column("queue", sa.String), sa.column("seq", sa.BigInteger), sa.column("created_at", UTCDateTime),
)
"""The columns of ``queue_messages`` that date a queue's head message."""

Condition = sa.ColumnElement[bool] | sa.TextClause
"""One condition of a status query's scope: an expression, or the active-queue SQL text."""

def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _worst_first(c: Any) -> list[sa.ColumnElement[Any]]:
    return [c.blocked.desc(), c.stopped.desc(), (c.last_seq - c.done_seq).desc(), c.name]


def _totals(conn: sa.Connection, scope: list[Condition], now: datetime) -> dict[str, int]:
    c = queues.c
    row = conn.execute(
        sa.select(
            sa.func.count().label("queues"),
            sa.func.coalesce(sa.func.sum(c.last_seq - c.done_seq), 0).label("messages_waiting"),
            _flag(c.blocked).label("blocked"),
            _flag(c.stopped).label("stopped"),
            _flag(c.lease_expires_at > now).label("running"),
        ).where(*scope)
    ).one()
    return {key: int(value) for key, value in row._mapping.items()}


def _shown_with_heads(
    conn: sa.Connection, scope: list[Condition], limit: int | None
) -> list[ShownRow]:
    """The worst ``limit`` queues in scope (all when None), each with its head message's
    ``created_at``.

    The queues are picked first, then each one's head is looked up by (queue, seq), the
    unique key of messages: one index search per shown queue. A row-value ``IN`` list
    made SQLite scan every stored message, and a join let PostgreSQL hash all of them.
    """
    c = queues.c
    shown: Any = sa.select(
        c.name, c.system, c.last_seq, c.done_seq, c.stopped, c.blocked, c.due_at, c.lease_owner,
        c.lease_expires_at, c.attempts, c.last_error,
    ).where(*scope)
    if limit is not None:
        shown = shown.order_by(*_worst_first(c)).limit(limit)
    shown = shown.subquery("shown")
    m = message_heads.c
    head = sa.select(m.created_at).where(m.queue == shown.c.name, m.seq == shown.c.done_seq + 1)
    result = conn.execute(
        sa.select(shown, head.scalar_subquery().label("oldest_at")).order_by(*_worst_first(shown.c))
    )
    return [ShownRow._make(row) for row in result]


def queue_status(
    conn: sa.Connection, now: datetime, limit: int | None = 100, system: str | None = None
) -> StatusReport:
    """Queues with work or trouble: blocked first, then stopped, then the deepest.

    At most ``limit`` queues are listed (all of them when None); the totals always
    count every queue in scope.
    """
    # In brackets: the condition has ORs, and a filter ANDed on must apply to all of them.
    scope: list[Condition] = [sa.text(f"({ACTIVE_QUEUE_CONDITION})")]
    if system:
        scope.append(queues.c.system == system)
    totals = _totals(conn, scope, now)
    return StatusReport([view_of(row, now) for row in _shown_with_heads(conn, scope, limit)], totals)

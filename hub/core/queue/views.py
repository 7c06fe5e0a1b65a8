"""Read-only views for administrators: queue status, message lists, one message.

``queue_status`` reads only ``queue_state`` rows with work or trouble (a partial
index covers exactly those) plus one indexed lookup per shown queue for its head
message, so it answers in milliseconds however many delivered messages are stored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.core.errors import DocumentError, NotFoundError
from hub.core.queue.messages import MESSAGE_STATUSES
from hub.core.queue.tables import ACTIVE_QUEUE_CONDITION, messages, queues

QUEUE_STATES = ("stopped", "blocked", "running", "retrying", "ready", "idle")


@dataclass(frozen=True)
class QueueView:
    """One queue as ``hub status`` shows it."""

    queue: str
    system: str
    state: str
    depth: int
    oldest_at: datetime | None
    oldest_age_s: float | None
    attempts: int
    last_error: str | None
    lease_owner: str | None
    next_due_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class StatusReport:
    """Queues with work or trouble (the worst first, at most ``limit``) and totals."""

    queues: list[QueueView]
    totals: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"totals": self.totals, "queues": [q.as_dict() for q in self.queues]}


def queue_state_name(row: Any, now: datetime) -> str:
    """One word for where a queue stands (see ``QUEUE_STATES``)."""
    if row.stopped:
        return "stopped"
    if row.blocked:
        return "blocked"
    if row.lease_expires_at is not None and row.lease_expires_at > now:
        return "running"
    if row.attempts > 0 and row.due_at is not None and row.due_at > now:
        return "retrying"
    return "ready" if row.last_seq > row.done_seq else "idle"


def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def queue_status(
    conn: sa.Connection, now: datetime, limit: int = 100, system: str | None = None
) -> StatusReport:
    """Queues with work or trouble: blocked first, then stopped, then the deepest."""
    c = queues.c
    active = sa.text(ACTIVE_QUEUE_CONDITION)
    scope = [active] + ([c.system == system] if system else [])
    totals_row = conn.execute(
        sa.select(
            sa.func.count().label("queues"),
            sa.func.coalesce(sa.func.sum(c.last_seq - c.done_seq), 0).label("messages_waiting"),
            _flag(c.blocked).label("blocked"),
            _flag(c.stopped).label("stopped"),
            _flag(c.lease_expires_at > now).label("running"),
        ).where(*scope)
    ).one()
    rows = conn.execute(
        sa.select(queues).where(*scope)
        .order_by(c.blocked.desc(), c.stopped.desc(), (c.last_seq - c.done_seq).desc(), c.name)
        .limit(limit)
    ).all()
    heads: dict[str, datetime] = {}
    if rows:
        m = messages.c
        pairs = [(row.name, row.done_seq + 1) for row in rows]
        heads = {
            r.queue: r.created_at
            for r in conn.execute(sa.select(m.queue, m.created_at).where(sa.tuple_(m.queue, m.seq).in_(pairs)))
        }
    views = []
    for row in rows:
        oldest = heads.get(row.name)
        views.append(QueueView(
            queue=row.name, system=row.system, state=queue_state_name(row, now),
            depth=row.last_seq - row.done_seq, oldest_at=oldest,
            oldest_age_s=round((now - oldest).total_seconds(), 3) if oldest else None,
            attempts=row.attempts, last_error=row.last_error,
            lease_owner=row.lease_owner if row.lease_expires_at and row.lease_expires_at > now else None,
            next_due_at=row.due_at,
        ))
    return StatusReport(views, {key: int(value) for key, value in totals_row._mapping.items()})


def list_messages(
    conn: sa.Connection, state: str | None = None, queue: str | None = None,
    system: str | None = None, since: datetime | None = None, limit: int = 100,
) -> list[dict[str, Any]]:
    """Messages matching every given filter, newest first, without payload and history."""
    if state is not None and state not in MESSAGE_STATUSES:
        raise DocumentError("message filter", "state", f"{state!r} is not one of {', '.join(MESSAGE_STATUSES)}")
    m = messages.c
    query = sa.select(
        m.id, m.queue, m.seq, m.system, m.kind, m.doc_type, m.hub_id, m.version, m.status,
        m.attempts, m.next_attempt_at, m.last_error, m.created_at, m.finished_at,
    )
    if state:
        query = query.where(m.status == state)
    if queue:
        query = query.where(m.queue == queue)
    if system:
        query = query.where(m.system == system)
    if since:
        query = query.where(m.created_at >= since)
    return [dict(row) for row in conn.execute(query.order_by(m.id.desc()).limit(limit)).mappings()]


def get_message(conn: sa.Connection, message_id: int) -> dict[str, Any]:
    """One message with payload and full history; NotFoundError if it does not exist."""
    row = conn.execute(sa.select(messages).where(messages.c.id == message_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no message with id {message_id} (never existed, or purged by retention)")
    return dict(row)

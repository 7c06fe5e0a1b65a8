"""Read-only views for administrators: message lists and one message with its history.

The queue status (``hub status``) lives in ``hub.core.queue.status``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.core.errors import DocumentError, NotFoundError
from hub.core.queue.messages import MESSAGE_STATUSES
from hub.core.queue.tables import messages


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

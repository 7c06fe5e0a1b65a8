"""Confirmations that arrive after delivery: the peer's own word on a message.

Delivery means the peer received a message; an ERP says later (ALEAUD for IDocs)
whether its application posted it. A positive answer turns a delivered message into
``confirmed``; a negative one stays in the history with the peer's error text and
becomes the message's ``last_error``, so ``hub messages`` and ``hub message show``
show the administrator what the peer refused.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from hub.core.queue.messages import CONFIRMED, DELIVERED, QUEUED, RETRYING, status_record
from hub.core.queue.tables import QueueMessageRow

messages = QueueMessageRow.__table__
PEER_REJECTED = "peer_rejected"


def record_peer_answer(conn: sa.Connection, message_id: int, ok: bool, detail: str, now: datetime) -> bool:
    """Record the peer's answer on message ``message_id``; False if there is no such message."""
    row = conn.execute(
        sa.select(messages.c.status, messages.c.history).where(messages.c.id == message_id).with_for_update()
    ).first()
    if row is None:
        return False
    values: dict[str, object]
    if ok:
        values = {"history": [*row.history, status_record(CONFIRMED, now, detail=detail)]}
        if row.status in (DELIVERED, QUEUED, RETRYING):
            # Queued or retrying: the confirmation overtook the worker's record of the
            # delivery, which then leaves the message confirmed (``hub.core.queue.hotsql``).
            values["status"] = CONFIRMED
    else:
        values = {"history": [*row.history, status_record(PEER_REJECTED, now, error=detail)],
                  "last_error": detail}
    conn.execute(messages.update().where(messages.c.id == message_id).values(**values))
    return True

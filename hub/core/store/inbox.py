"""The inbox table: payloads a route accepted and answered at once, until they are posted.

Writing and counting only; ``hub.core.inbound.inbox`` posts what waits here.
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.model.base import utcnow
from hub.core.store.tables import InboxRow

inbox = InboxRow.__table__


def accept(engine: sa.Engine, system: str, source: str, content_type: str, payload: bytes) -> int:
    """Keep ``payload`` of ``system`` for posting (committed); returns its place in the inbox."""
    with engine.begin() as conn:
        row = conn.execute(inbox.insert().returning(inbox.c.id), {
            "system": system, "source": source[:200], "content_type": content_type[:100], "payload": payload,
            "received_at": utcnow()}).one()
    return int(row.id)


def waiting(conn: sa.Connection) -> int:
    """How many payloads wait in the inbox."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(inbox)).scalar_one())

"""Documents waiting for an object the hub does not know yet, posted when it arrives.

An invoice for a payer that was never replicated, a shop order for a product the ERP
has not sent yet: the document names an object the key map does not have, so mapping
it stops at that reference. It is not refused: it is kept as ``waiting``, with the key
it waits for (system, object type, external id), and every pass of the hub's inbound
poster (``InboxPoster``) posts again, oldest first, each waiting document whose key has
appeared in the key map since. A document may then wait for the next object it names.
One that waits longer than ``waiting_minutes`` is reported as failed, to be replayed by
an administrator after the cause is fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub.core.inbound.pipeline import Ingestor
from hub.core.model.base import utcnow
from hub.core.store import archive
from hub.core.store.db import read_only
from hub.core.store.tables import KeyMapRow

inbound = archive.inbound
key_map = KeyMapRow.__table__
BATCH = 200
"""Most waiting documents one pass posts again."""

_READY = (
    sa.select(inbound.c.id, inbound.c.system)
    .where(inbound.c.status == archive.WAITING,
           sa.exists().where(key_map.c.system == inbound.c.wait_system,
                             key_map.c.object_type == inbound.c.wait_object_type,
                             key_map.c.external_id == inbound.c.wait_external_id))
    .order_by(inbound.c.id)
)


def ready(conn: sa.Connection, limit: int = BATCH) -> list[tuple[int, str]]:
    """(payload id, system) of waiting documents whose object has arrived, oldest first."""
    return [(row.id, row.system) for row in conn.execute(_READY.limit(limit))]


def repost_ready(engine: sa.Engine, ingestor_of: Callable[[str], Ingestor], limit: int = BATCH) -> int:
    """Post again every waiting document whose object has arrived; how many were taken.

    Each is replayed in its own transaction, in the order the documents came; one may
    post, fail, or wait for the next object it names. Finding them only reads, so it
    takes no write lock: the inbox poster asks on every pass, mostly to find nothing,
    and on SQLite each ask had waited for the lock behind the server's writes.
    """
    with read_only(engine).connect() as conn:
        taken = ready(conn, limit)
    for payload_id, system in taken:
        ingestor_of(system).replay(payload_id)
    return len(taken)


def expire(engine: sa.Engine, waited: timedelta, now: datetime | None = None) -> int:
    """Report as failed every document that has waited longer than ``waited``; how many."""
    cutoff = (now or utcnow()) - waited
    expired = 0
    with engine.begin() as conn:
        rows = conn.execute(sa.select(inbound.c.id, inbound.c.wait_system, inbound.c.wait_object_type,
                                      inbound.c.wait_external_id, inbound.c.waiting_since)
                            .where(inbound.c.status == archive.WAITING, inbound.c.waiting_since < cutoff)).all()
        for row in rows:
            reason = (f"still waiting for {row.wait_object_type} {row.wait_external_id} of {row.wait_system}"
                      f" after {waited}; make it known (load or send it), then `hub inbound replay {row.id}`")
            archive.set_status(conn, row.id, archive.FAILED, error=reason)
            expired += 1
    return expired

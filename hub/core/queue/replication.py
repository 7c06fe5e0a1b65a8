"""Where documents stand toward each target system, read from the queue's tables.

For each (document, system) the newest message decides: ``queued`` (waiting or being
retried), ``sent`` (delivered), ``confirmed`` (the peer's application posted it),
``skipped`` by an administrator, or ``blocked`` with the error. A document is also
``blocked`` when an older message of it for that system is (nothing behind it moves),
or when its open message waits in a queue that another message blocks or an
administrator stopped: the administrator needs to see that the newest version is stuck,
not just that it is queued.

One query over the messages of the documents asked about (by the index on
``queue_messages.hub_id``) and one over the states of the queues their open messages
wait in, however many documents and versions there are.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.core.queue.messages import BLOCKED, CONFIRMED, DELIVERED, OPEN_STATUSES, SKIPPED
from hub.core.queue.tables import messages, queues
from hub.core.store.bulk import one_of

STATE_WORDS = {DELIVERED: "sent", CONFIRMED: "confirmed", SKIPPED: "skipped", BLOCKED: "blocked"}
"""Message status -> replication state; every other (open) status is ``queued``."""


@dataclass(frozen=True)
class Replication:
    """Where one document stands toward one system."""

    system: str
    state: str
    version: int
    message_id: int
    queue: str
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


def replication_of(conn: sa.Connection, hub_ids: Collection[str]) -> dict[str, list[Replication]]:
    """hub id -> where that document stands toward each system it was sent to (by system).

    Documents without messages are left out.
    """
    if not hub_ids:
        return {}
    m = messages.c
    rows = conn.execute(
        sa.select(m.id, m.hub_id, m.system, m.queue, m.version, m.status, m.last_error)
        .where(one_of(conn.dialect.name, m.hub_id, "b_ids")).order_by(m.id),
        {"b_ids": list(hub_ids)},
    ).all()
    newest: dict[tuple[str, str], Any] = {}
    blocked_by: dict[tuple[str, str], Any] = {}
    for row in rows:
        key = (row.hub_id, row.system)
        newest[key] = row
        if row.status == BLOCKED:
            blocked_by[key] = row
    stuck = _stuck_queues(conn, {row.queue for row in newest.values() if row.status in OPEN_STATUSES})
    found: dict[str, list[Replication]] = {}
    for key, row in sorted(newest.items()):
        state, error = STATE_WORDS.get(row.status, "queued"), row.last_error
        if row.status in OPEN_STATUSES and key in blocked_by:
            state, error = "blocked", blocked_by[key].last_error
        elif row.status in OPEN_STATUSES and row.queue in stuck:
            state, error = "blocked", stuck[row.queue]
        found.setdefault(row.hub_id, []).append(
            Replication(row.system, state, row.version, row.id, row.queue, error))
    return found


def _stuck_queues(conn: sa.Connection, names: set[str]) -> dict[str, str]:
    """Queue name -> why, for those of ``names`` that are blocked or stopped."""
    if not names:
        return {}
    q = queues.c
    rows = conn.execute(
        sa.select(q.name, q.blocked, q.stopped, q.last_error)
        .where(one_of(conn.dialect.name, q.name, "b_names"), sa.or_(q.blocked, q.stopped)),
        {"b_names": sorted(names)},
    )
    return {row.name: (f"queue blocked: {row.last_error or 'no error recorded'}" if row.blocked
                       else "queue stopped by an administrator") for row in rows}

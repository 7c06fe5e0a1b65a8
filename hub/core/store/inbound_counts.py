"""How many inbound payloads wait for an administrator, per system and status.

Read by ``hub status`` beside the queues, so a failed or conflicting inbound document
shows where an administrator looks first. Like ``hub.core.queue.status`` it names the
two columns it reads through a light SQLAlchemy Core clause instead of importing the
store's SQLModel tables, which would cost the command more than the query (a test
checks the clause against the table).
"""

from __future__ import annotations

import sqlalchemy as sa

FAILED_STATUSES = ("failed", "conflict")
"""Inbound statuses of documents refused: an administrator decides."""
ATTENTION_STATUSES = (*FAILED_STATUSES, "waiting")
"""Inbound statuses not posted yet, never purged, counted by ``hub status``
(``hub.core.store.archive``): refused, or waiting for an object the hub does not know."""

payloads = sa.table("inbound_payloads", sa.column("system", sa.String), sa.column("status", sa.String))
"""The columns of ``inbound_payloads`` the counts read."""
inbox = sa.table("inbound_inbox", sa.column("system", sa.String))
"""The column of ``inbound_inbox`` (payloads accepted, waiting to be posted) the counts read."""


def inbound_attention(conn: sa.Connection, system: str | None = None) -> dict[str, dict[str, int]]:
    """system -> status -> count of inbound payloads that failed, conflict or wait, none left out."""
    c = payloads.c
    query = (sa.select(c.system, c.status, sa.func.count().label("n"))
             .where(c.status.in_(ATTENTION_STATUSES)).group_by(c.system, c.status).order_by(c.system, c.status))
    if system:
        query = query.where(c.system == system)
    counts: dict[str, dict[str, int]] = {}
    for row in conn.execute(query):
        counts.setdefault(row.system, {})[row.status] = int(row.n)
    return counts


def inbox_waiting(conn: sa.Connection, system: str | None = None) -> int:
    """How many accepted payloads wait in the inbox to be posted."""
    query = sa.select(sa.func.count()).select_from(inbox)
    if system:
        query = query.where(inbox.c.system == system)
    return int(conn.execute(query).scalar_one())

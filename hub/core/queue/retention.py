"""Retention: purge delivered messages and archived inbound payloads after a while, and
the REST API's idempotency keys (with the request each kept) as old as those payloads.

Only finished work is purged: delivered and confirmed messages, and inbound payloads
whose processing did not fail. Blocked, retrying, queued and skipped messages, failed
and conflicting payloads, and the first copies those conflict with, stay until an
administrator has dealt with them. Deletes run in
chunks, each its own short transaction, so a large purge never holds the write lock
for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub.core.queue.messages import CONFIRMED, DELIVERED
from hub.core.queue.settings import QueueSettings
from hub.core.queue.tables import messages
from hub.core.restapi.tables import idempotency_keys
from hub.core.store import receipts
from hub.core.store.inbound_counts import ATTENTION_STATUSES
from hub.core.store.tables import InboundPayloadRow

inbound = InboundPayloadRow.__table__

CHUNK = 5_000


@dataclass(frozen=True)
class PurgeResult:
    """How many rows a purge removed."""

    messages: int
    payloads: int
    receipts: int = 0
    idempotency_keys: int = 0


def _purge_chunks(engine: sa.Engine, table: sa.Table, condition: sa.ColumnElement[bool]) -> int:
    removed = 0
    while True:
        with engine.begin() as conn:
            ids = sa.select(table.c.id).where(condition).limit(CHUNK).scalar_subquery()
            count = conn.execute(table.delete().where(table.c.id.in_(ids))).rowcount
        removed += count
        if count < CHUNK:
            return removed


def purge(engine: sa.Engine, settings: QueueSettings, now: datetime) -> PurgeResult:
    """Remove messages finished and payloads received before their retention period,
    and the receipts of subscriptions for messages that old."""
    m = messages.c
    message_cutoff = now - timedelta(days=settings.retention_delivered_days)
    payload_cutoff = now - timedelta(days=settings.retention_payload_days)
    purged_messages = _purge_chunks(
        engine, messages, sa.and_(m.status.in_((DELIVERED, CONFIRMED)), m.finished_at < message_cutoff))
    # The first copy under a key stays while a conflicting version waits to be compared with it.
    compared = sa.select(inbound.c.conflict_of).where(
        inbound.c.status.in_(ATTENTION_STATUSES), inbound.c.conflict_of.is_not(None))
    purged_payloads = _purge_chunks(engine, inbound, sa.and_(
        inbound.c.status.not_in(ATTENTION_STATUSES), inbound.c.received_at < payload_cutoff,
        inbound.c.id.not_in(compared)))
    # A subscription's receipt answers redeliveries of its message, which is gone now.
    with engine.begin() as conn:
        purged_receipts = receipts.purge(conn, message_cutoff)
    # A client retries a create within minutes; a key as old as a purged payload answers no one.
    purged_keys = _purge_chunks(engine, idempotency_keys, idempotency_keys.c.created_at < payload_cutoff)
    return PurgeResult(purged_messages, purged_payloads, purged_receipts, purged_keys)

"""Receipts of the canonical changes plugin subscriptions applied.

A subscription's work and its receipt commit in one transaction; a redelivered message
(its worker died after the commit, before recording the delivery) finds the receipt
and is not applied again. Receipts outlive the messages they answer by the queue's
retention for delivered messages, after which no redelivery can come.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.core.model.base import utcnow
from hub.core.store.tables import SubscriptionReceiptRow

receipts = SubscriptionReceiptRow.__table__


def claim(conn: sa.Connection, subscription: str, idempotency_key: str) -> bool:
    """Record that ``subscription`` applies the message ``idempotency_key`` now; False
    when it was applied before (the caller then does nothing)."""
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(receipts)
    claimed = insert.on_conflict_do_nothing(
        index_elements=[receipts.c.subscription, receipts.c.idempotency_key]).returning(receipts.c.subscription)
    row = conn.execute(claimed, {"subscription": subscription, "idempotency_key": idempotency_key,
                                 "applied_at": utcnow()}).first()
    return row is not None


def purge(conn: sa.Connection, before: datetime) -> int:
    """Remove receipts of changes applied before ``before``; how many went."""
    return conn.execute(receipts.delete().where(receipts.c.applied_at < before)).rowcount

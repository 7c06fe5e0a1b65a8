"""Tables of the replication queue: messages, per-queue state, scheduler jobs.

Why a per-queue state table: the worker's claim and ``hub status`` must stay fast
with millions of messages stored. ``queue_state`` has one small row per queue with
the counters that matter (``last_seq`` handed out by enqueue, ``done_seq`` finished by
workers), the lease, the admin flags and ``due_at``: the time the queue may next be
claimed (now, a retry time or the lease expiry), NULL when there is nothing to do.
Claiming is then an index range scan on ``due_at``; messages are read by their
unique (queue, seq).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.core.queue.status import ACTIVE_QUEUE_CONDITION
from hub.core.store.types import JSONColumn, UTCDateTime


class QueueMessageRow(SQLModel, table=True):
    """One outbound message for one system, in its queue at position ``seq``."""

    __tablename__ = "queue_messages"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker
    __table_args__ = (
        sa.UniqueConstraint("queue", "seq", name="uq_queue_messages_position"),
        sa.UniqueConstraint("idempotency_key", name="uq_queue_messages_idempotency"),
        # Where each document stands toward each system (the 360-degree view).
        sa.Index("ix_queue_messages_hub_id", "hub_id"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger().with_variant(
        sa.Integer, "sqlite"), primary_key=True, autoincrement=True))
    queue: str = Field(max_length=200)
    seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    system: str = Field(max_length=40)
    transport: str | None = Field(default=None, max_length=80)
    kind: str = Field(max_length=40)
    doc_type: str = Field(max_length=40)
    hub_id: str = Field(max_length=40)
    version: int
    payload: dict[str, Any] = Field(sa_column=sa.Column(JSONColumn, nullable=False))
    idempotency_key: str = Field(max_length=200)
    status: str = Field(max_length=12)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    history: list[dict[str, Any]] = Field(sa_column=sa.Column(JSONColumn, nullable=False))
    replay_of: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(
        default=None, sa_column=sa.Column(UTCDateTime, index=True),
        description="When the message was delivered, confirmed or skipped (retention reads it).",
    )


class QueueStateRow(SQLModel, table=True):
    """One queue: counters, lease, admin flags and when it may next be claimed."""

    __tablename__ = "queue_state"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker
    __table_args__ = (
        sa.Index(
            "ix_queue_state_active", "name",
            sqlite_where=sa.text(ACTIVE_QUEUE_CONDITION),
            postgresql_where=sa.text(ACTIVE_QUEUE_CONDITION),
        ),
    )

    name: str = Field(primary_key=True, max_length=200)
    system: str = Field(max_length=40)
    last_seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    done_seq: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    stopped: bool = False
    blocked: bool = False
    due_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, index=True))
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime))
    lease_token: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


scheduler_jobs = sa.Table(
    "apscheduler_jobs",
    SQLModel.metadata,  # the one metadata every table module defines its tables on
    # The exact shape APScheduler 3's SQLAlchemyJobStore creates, so that the
    # migration owns the table and the job store finds it in place.
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)

messages = QueueMessageRow.__table__
queues = QueueStateRow.__table__

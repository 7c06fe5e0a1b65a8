"""Replication queue: messages, per-queue state, scheduler jobs.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The column types as this revision created them, not imported from the application:
# a migration must keep doing what it did when the code it was written beside changes.
JSONColumn = sa.JSON().with_variant(JSONB(), "postgresql")
UTCDateTime = sa.DateTime(timezone=True)

ACTIVE_QUEUE_CONDITION = "last_seq > done_seq OR stopped OR blocked"


def upgrade() -> None:
    op.create_table(
        "queue_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("queue", sa.String(200), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("system", sa.String(40), nullable=False),
        sa.Column("transport", sa.String(80), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("doc_type", sa.String(40), nullable=False),
        sa.Column("hub_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("payload", JSONColumn, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("history", JSONColumn, nullable=False),
        sa.Column("replay_of", sa.BigInteger, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("queue", "seq", name="uq_queue_messages_position"),
        sa.UniqueConstraint("idempotency_key", name="uq_queue_messages_idempotency"),
    )
    op.create_index("ix_queue_messages_finished_at", "queue_messages", ["finished_at"])
    op.create_table(
        "queue_state",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("system", sa.String(40), nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("done_seq", sa.BigInteger, nullable=False),
        sa.Column("stopped", sa.Boolean, nullable=False),
        sa.Column("blocked", sa.Boolean, nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=True),
        sa.Column("lease_owner", sa.String(120), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime, nullable=True),
        sa.Column("lease_token", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_queue_state_due_at", "queue_state", ["due_at"])
    op.create_index(
        "ix_queue_state_active", "queue_state", ["name"],
        sqlite_where=sa.text(ACTIVE_QUEUE_CONDITION),
        postgresql_where=sa.text(ACTIVE_QUEUE_CONDITION),
    )
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_table("apscheduler_jobs")
    op.drop_table("queue_state")
    op.drop_table("queue_messages")

"""Inbound status records (what happened to each received payload) and initial-load runs.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The column types as this revision created them, not imported from the application:
# a migration must keep doing what it did when the code it was written beside changes.
JSONColumn = sa.JSON().with_variant(JSONB(), "postgresql")
UTCDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("inbound_payloads") as batch:
        batch.add_column(sa.Column("history", JSONColumn, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("hub_id", sa.String(40), nullable=True))
        batch.add_column(sa.Column("mapping", sa.String(200), nullable=True))
        batch.create_index("ix_inbound_payloads_status", ["status"])
    op.create_table(
        "load_runs",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("system", sa.String(40), nullable=False),
        sa.Column("object_name", sa.String(40), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )

"""Inbound documents waiting for an object the hub does not know yet.

Revision ID: 0009
Revises: 0008

A document whose partner, product or referenced document is unknown is kept with
status ``waiting`` and the key it waits for (system, object type, external id), and is
posted when that key appears in the key map.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The column types as this revision creates them; never import application code here.
UTCDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("inbound_payloads") as batch:
        batch.add_column(sa.Column("wait_system", sa.String(40), nullable=True))
        batch.add_column(sa.Column("wait_object_type", sa.String(40), nullable=True))
        batch.add_column(sa.Column("wait_external_id", sa.String(120), nullable=True))
        batch.add_column(sa.Column("waiting_since", UTCDateTime, nullable=True))

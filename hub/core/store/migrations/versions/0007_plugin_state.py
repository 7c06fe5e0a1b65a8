"""Plugin state: small named values a plugin keeps, such as a polling cursor.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The column types as this revision creates them; never import application code here.
JSONColumn = sa.JSON().with_variant(JSONB(), "postgresql")
UTCDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "plugin_state",
        sa.Column("plugin", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("value", JSONColumn, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )

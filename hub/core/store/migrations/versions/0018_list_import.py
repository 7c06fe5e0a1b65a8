"""List import: the state of each list and of each row of its file.

Revision ID: 0018
Revises: 0017

``list_imports`` holds one row per list (file, format, cursor, counts);
``list_import_rows`` one row per row of its file (outcome, the partner it created or
joined, the match and its score, its problems, and for a row waiting for review the
partner it maps to). Both are written in the transaction of each batch's partners.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# The column types as this revision creates them; never import application code here.
Time = sa.DateTime(timezone=True)
Json = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "list_imports",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("format", sa.String(120), nullable=False),
        sa.Column("system", sa.String(40), nullable=False),
        sa.Column("file", sa.String(1000), nullable=False),
        sa.Column("file_size", sa.BigInteger, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("cursor", sa.Integer, nullable=False),
        sa.Column("last_row", sa.Integer, nullable=False),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("linked", sa.Integer, nullable=False),
        sa.Column("review", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("started_at", Time, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.Column("finished_at", Time, nullable=True),
    )
    op.create_table(
        "list_import_rows",
        sa.Column("list_name", sa.String(120), primary_key=True),
        sa.Column("row", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(120), nullable=True),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("hub_id", sa.String(40), nullable=True),
        sa.Column("matched_hub_id", sa.String(40), nullable=True),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("problems", Json, nullable=True),
        sa.Column("data", Json, nullable=True),
        sa.Column("decided_at", Time, nullable=True),
        sa.Index("ix_list_import_rows_key", "list_name", "key"),
        sa.Index("ix_list_import_rows_outcome", "list_name", "outcome"),
    )


def downgrade() -> None:
    op.drop_table("list_import_rows")
    op.drop_table("list_imports")

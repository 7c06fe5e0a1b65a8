"""A create's version row keeps no separate list of changes: they are all of its data.

Revision ID: 0004
Revises: 0003

Existing rows keep their recorded changes; only new creates store NULL there (see
``hub.core.store.documents.created_changes``). On SQLite the table is rebuilt with its
rows, on PostgreSQL the constraint is dropped in place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The column types as this revision created them, not imported from the application:
# a migration must keep doing what it did when the code it was written beside changes.
JSONColumn = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("document_versions") as batch:
        batch.alter_column("changes", existing_type=JSONColumn, nullable=True)

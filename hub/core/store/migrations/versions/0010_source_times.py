"""The newest modification time applied from each source, per document.

Revision ID: 0010
Revises: 0009

Sources that stamp their objects (a shop's ``updated_at``) send versions out of order:
a webhook arrives late, a reconcile poll brings an older page. The time of the newest
version applied from a source lets master data record an older one without letting it
overwrite the newer state.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The column types as this revision creates them; never import application code here.
UTCDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "document_source_times",
        sa.Column("hub_id", sa.String(40), primary_key=True),
        sa.Column("system", sa.String(40), primary_key=True),
        sa.Column("modified_at", UTCDateTime, nullable=False),
    )

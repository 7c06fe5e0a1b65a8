"""Foundation: documents, versions, key map, inbound archive, partner match keys.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The column types as this revision created them, not imported from the application:
# a migration must keep doing what it did when the code it was written beside changes.
JSONColumn = sa.JSON().with_variant(JSONB(), "postgresql")
UTCDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("hub_id", sa.String(40), primary_key=True),
        sa.Column("doc_type", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", JSONColumn, nullable=False),
        sa.Column("field_sources", JSONColumn, nullable=False),
        sa.Column("merged_into", sa.String(40), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_documents_doc_type", "documents", ["doc_type"])
    op.create_index("ix_documents_merged_into", "documents", ["merged_into"])
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hub_id", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("doc_type", sa.String(40), nullable=False),
        sa.Column("data", JSONColumn, nullable=False),
        sa.Column("changes", JSONColumn, nullable=False),
        sa.Column("source_system", sa.String(40), nullable=False),
        sa.Column("changed_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("hub_id", "version", name="uq_document_versions"),
    )
    op.create_table(
        "key_map",
        sa.Column("system", sa.String(40), primary_key=True),
        sa.Column("object_type", sa.String(40), primary_key=True),
        sa.Column("external_id", sa.String(120), primary_key=True),
        sa.Column("hub_id", sa.String(40), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_key_map_hub_id", "key_map", ["hub_id"])
    op.create_table(
        "inbound_payloads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("system", sa.String(40), nullable=False),
        sa.Column("document_kind", sa.String(60), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("duplicates", sa.Integer, nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("system", "dedupe_key", name="uq_inbound_dedupe"),
    )
    op.create_index("ix_inbound_payloads_received_at", "inbound_payloads", ["received_at"])
    op.create_table(
        "partner_match_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("hub_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
    )
    op.create_index("ix_partner_match_keys_hub_id", "partner_match_keys", ["hub_id"])
    op.create_index("ix_partner_match_keys_key", "partner_match_keys", ["kind", "key"])

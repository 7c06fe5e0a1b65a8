"""The REST API's keys and idempotency keys, and documents by type and time of change.

Revision ID: 0014
Revises: 0013

- ``rest_api_keys``: the keys of ``/api/v1`` clients, each with one scope (read, write
  or admin); only a key's SHA-256 is kept.
- ``api_idempotency_keys``: every create sent with an ``Idempotency-Key``: the hash of
  its request and the answer given, so the same request again gets the same answer and
  writes nothing, and another request under the same key is refused.
- ``ix_documents_changed``: the documents of one type in order of change, for the API's
  "changed since" listing with keyset pagination.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The column types as this revision creates them; never import application code here.
JSONColumn = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
UTCDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rest_api_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_rest_api_keys_key_hash", "rest_api_keys", ["key_hash"], unique=True)
    op.create_table(
        "api_idempotency_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("api_key_id", sa.String(40), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("request", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("response", JSONColumn, nullable=False),
        sa.Column("hub_id", sa.String(40), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("api_key_id", "idempotency_key", name="uq_api_idempotency_keys"),
    )
    op.create_index("ix_api_idempotency_keys_created_at", "api_idempotency_keys", ["created_at"])
    op.create_index("ix_documents_changed", "documents", ["doc_type", "updated_at", "hub_id"])


def downgrade() -> None:
    op.drop_index("ix_documents_changed", "documents")
    op.drop_table("api_idempotency_keys")
    op.drop_table("rest_api_keys")

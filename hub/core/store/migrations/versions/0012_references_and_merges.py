"""The partner reference index, the record of merges, and messages by document.

Revision ID: 0012
Revises: 0010

- ``document_references``: which document names which partner in which field, written
  with every document version from now on; this revision fills it for the documents
  already stored, so the 360-degree view and merges find them without scanning JSON.
- ``partner_merges``: what each merge moved and rewrote, so it can be undone.
- ``ix_queue_messages_hub_id``: a document's messages, for where it stands per system.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The column types and the reference fields as this revision knows them; never import
# application code here.
JSONColumn = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
UTCDateTime = sa.DateTime(timezone=True)
PARTNER_REFERENCE_FIELDS = frozenset({
    "sold_to_hub_id", "payer_hub_id", "ship_to_hub_id", "bill_to_hub_id",
    "partner_hub_id", "customer_hub_id", "member_hub_id",
})
BACKFILL_BATCH = 5_000


def upgrade() -> None:
    references = op.create_table(
        "document_references",
        sa.Column("target_hub_id", sa.String(40), primary_key=True),
        sa.Column("hub_id", sa.String(40), primary_key=True),
        sa.Column("path", sa.String(120), primary_key=True),
    )
    op.create_index("ix_document_references_hub_id", "document_references", ["hub_id"])
    op.create_table(
        "partner_merges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("survivor_hub_id", sa.String(40), nullable=False),
        sa.Column("other_hub_id", sa.String(40), nullable=False),
        sa.Column("merged_at", UTCDateTime, nullable=False),
        sa.Column("survivor_version", sa.Integer, nullable=False),
        sa.Column("survivor_before", JSONColumn, nullable=False),
        sa.Column("moved_keys", JSONColumn, nullable=False),
        sa.Column("rewritten", JSONColumn, nullable=False),
        sa.Column("unmerged_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_partner_merges_survivor_hub_id", "partner_merges", ["survivor_hub_id"])
    op.create_index("ix_partner_merges_other_hub_id", "partner_merges", ["other_hub_id"])
    op.create_index("ix_queue_messages_hub_id", "queue_messages", ["hub_id"])
    _backfill(op.get_bind(), references)


def _backfill(conn: sa.Connection, references: sa.Table) -> None:
    """Index the references of every stored document, in batches by hub id."""
    documents = sa.table("documents", sa.column("hub_id", sa.String), sa.column("data", JSONColumn))
    last = ""
    while True:
        rows = conn.execute(
            sa.select(documents.c.hub_id, documents.c.data).where(documents.c.hub_id > last)
            .order_by(documents.c.hub_id).limit(BACKFILL_BATCH)
        ).all()
        if not rows:
            return
        found = [{"target_hub_id": target, "hub_id": hub_id, "path": path}
                 for hub_id, data in rows
                 for path, target in set(_walk(_loaded(data), ""))]
        if found:
            conn.execute(references.insert(), found)
        last = rows[-1].hub_id


def _loaded(data: Any) -> Any:
    # Raw SQL JSON may come back as text from an old row written without the type.
    return json.loads(data) if isinstance(data, str) else data


def _walk(value: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for name, inner in value.items():
            if name in PARTNER_REFERENCE_FIELDS and isinstance(inner, str):
                if inner:
                    yield prefix + name, inner
            elif isinstance(inner, dict | list):
                yield from _walk(inner, f"{prefix}{name}.")
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, prefix)

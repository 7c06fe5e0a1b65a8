"""Inbound dedupe that cannot lose data: a content hash per payload, and conflicts kept.

Revision ID: 0006
Revises: 0005

The archive used to hold one row per (system, dedupe key), so a second document under
a key already seen was dropped as a duplicate even when its content differed. Now:

- ``content_hash`` (SHA-256 of the kept payload) tells a true redelivery from a
  different document under the same key;
- ``conflict_of`` points a conflicting version at the first one received with its key;
- the unique (system, dedupe_key) constraint becomes two partial unique indexes: one
  original per key, and one row per (key, content) among the conflicting versions.
  Both keep two processes that race with the same delivery from posting it twice.

Rows received before this revision keep a NULL hash: their keys were made without the
sender's identity, so a document archived before the upgrade and sent again after it
is posted again (an unchanged upsert), never dropped.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ORIGINALS = sa.text("conflict_of IS NULL")
CONFLICTS = sa.text("conflict_of IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("inbound_payloads") as batch:
        batch.add_column(sa.Column("content_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("conflict_of", sa.Integer, nullable=True))
        batch.drop_constraint("uq_inbound_dedupe", type_="unique")
    op.create_index("uq_inbound_original", "inbound_payloads", ["system", "dedupe_key"], unique=True,
                    sqlite_where=ORIGINALS, postgresql_where=ORIGINALS)
    op.create_index("uq_inbound_conflict", "inbound_payloads", ["system", "dedupe_key", "content_hash"],
                    unique=True, sqlite_where=CONFLICTS, postgresql_where=CONFLICTS)

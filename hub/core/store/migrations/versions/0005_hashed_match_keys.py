"""Partner match keys are stored as 64-bit hashes instead of their kind and text.

Revision ID: 0005
Revises: 0004

Every stored key is converted with the hash ``hub.core.masterdata.matchkeys.key_hash``
computes (copied here, so this revision keeps converting as it did if that code
changes), so the duplicate check finds the same partners after the upgrade as before. On SQLite the
table is rebuilt with its rows, on PostgreSQL it is altered in place.
"""

from __future__ import annotations

from hashlib import blake2b

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

def key_hash(key: tuple[str, str]) -> int:
    """A match key's stored form: the first 8 bytes of the BLAKE2b digest of kind and
    text, as a signed 64-bit integer."""
    kind, text = key
    return int.from_bytes(blake2b(f"{kind}\x00{text}".encode(), digest_size=8).digest(), "big", signed=True)


CHUNK = 10_000
"""Rows converted per round trip: a big store's keys never sit in memory all at once."""

_keys = sa.table(
    "partner_match_keys", sa.column("id"), sa.column("kind"), sa.column("key"), sa.column("key_hash")
)


def _convert(conn: sa.Connection) -> None:
    select = (
        sa.select(_keys.c.id, _keys.c.kind, _keys.c.key)
        .where(_keys.c.id > sa.bindparam("b_after"))
        .order_by(_keys.c.id)
        .limit(CHUNK)
    )
    update = _keys.update().where(_keys.c.id == sa.bindparam("b_id")).values(key_hash=sa.bindparam("b_hash"))
    after = 0
    while rows := conn.execute(select, {"b_after": after}).all():
        conn.execute(update, [{"b_id": row.id, "b_hash": key_hash((row.kind, row.key))} for row in rows])
        after = rows[-1].id


def upgrade() -> None:
    with op.batch_alter_table("partner_match_keys") as batch:
        batch.add_column(sa.Column("key_hash", sa.BigInteger, nullable=True))
    _convert(op.get_bind())
    with op.batch_alter_table("partner_match_keys") as batch:
        batch.drop_index("ix_partner_match_keys_key")
        batch.drop_column("kind")
        batch.drop_column("key")
        batch.alter_column("key_hash", existing_type=sa.BigInteger, nullable=False)
        batch.create_index("ix_partner_match_keys_key_hash", ["key_hash"])

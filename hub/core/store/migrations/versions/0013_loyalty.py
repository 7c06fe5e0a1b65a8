"""The loyalty_pos plugin's tables: members, cards, point accounts, lots, the ledger,
till reservations, store API keys and coupons.

Revision ID: 0013
Revises: 0010

The ledger of point transactions is the truth; an account's ``balance`` is kept beside
it (the sum of the account's ledger entries, written in the same transaction) so that a
till's look-up and a reservation read one row, and so that row can be locked: on
PostgreSQL a reservation takes ``SELECT ... FOR UPDATE`` on the account, on SQLite every
write transaction begins IMMEDIATE. Lots say which points expire when and from which
day they may be spent (pending points). Points are whole numbers.

The plugin declares the same tables in ``plugins/loyalty_pos/store/tables.py``; a test
compares the two.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The column types as this revision creates them; never import application code here.
Time = sa.DateTime(timezone=True)
Points = sa.BigInteger()


def upgrade() -> None:
    op.create_table(
        "loyalty_members",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("programme_hub_id", sa.String(40), nullable=False),
        sa.Column("partner_hub_id", sa.String(40), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tier_code", sa.String(40), nullable=True),
        sa.Column("tier_since", Time, nullable=True),
        sa.Column("enrolled_at", Time, nullable=False),
    )
    op.create_table(
        "loyalty_cards",
        sa.Column("card_number", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.String(40), sa.ForeignKey("loyalty_members.id"), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_at", Time, nullable=False),
    )
    op.create_table(
        "loyalty_accounts",
        sa.Column("member_id", sa.String(40), sa.ForeignKey("loyalty_members.id"), primary_key=True),
        sa.Column("point_type", sa.String(40), primary_key=True),
        sa.Column("balance", Points, nullable=False),
    )
    op.create_table(
        "loyalty_ledger",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.String(40), nullable=False),
        sa.Column("point_type", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("points", Points, nullable=False),
        sa.Column("occurred_at", Time, nullable=False),
        sa.Column("qualifying", sa.Boolean, nullable=False),
        sa.Column("rule_code", sa.String(40), nullable=True),
        sa.Column("receipt", sa.String(160), nullable=True, index=True),
        sa.Column("document_hub_id", sa.String(40), nullable=True, index=True),
        sa.Column("reverses_id", sa.Integer, nullable=True),
        sa.Column("reservation_id", sa.String(40), nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Index("ix_loyalty_ledger_account", "member_id", "point_type"),
    )
    op.create_table(
        "loyalty_lots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.String(40), nullable=False),
        sa.Column("point_type", sa.String(40), nullable=False),
        sa.Column("ledger_id", sa.Integer, nullable=False, index=True),
        sa.Column("points", Points, nullable=False),
        sa.Column("remaining", Points, nullable=False),
        sa.Column("available_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=True),
        sa.Index("ix_loyalty_lots_account", "member_id", "point_type", "remaining"),
    )
    op.create_table(
        "loyalty_line_points",
        sa.Column("ledger_id", sa.Integer, primary_key=True),
        sa.Column("line_number", sa.Integer, primary_key=True),
        sa.Column("receipt", sa.String(160), nullable=False, index=True),
        sa.Column("quantity", sa.String(32), nullable=False),
        sa.Column("share_millis", Points, nullable=False),
        sa.Column("reversed_millis", Points, nullable=False),
    )
    op.create_table(
        "loyalty_reservations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("store", sa.String(40), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("member_id", sa.String(40), nullable=False, index=True),
        sa.Column("point_type", sa.String(40), nullable=False),
        sa.Column("points", Points, nullable=False),
        sa.Column("receipt", sa.String(160), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("expires_at", Time, nullable=False),
        sa.Column("finished_at", Time, nullable=True),
        sa.Column("ledger_id", sa.Integer, nullable=True),
        sa.UniqueConstraint("store", "idempotency_key", name="uq_loyalty_reservations_key"),
    )
    op.create_table(
        "loyalty_api_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("store", sa.String(40), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("revoked_at", Time, nullable=True),
    )
    op.create_table(
        "loyalty_coupons",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("member_id", sa.String(40), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_at", Time, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("redeemed_at", Time, nullable=True),
        sa.Column("redeemed_store", sa.String(40), nullable=True),
        sa.Column("redeemed_receipt", sa.String(160), nullable=True),
    )


def downgrade() -> None:
    for table in ("loyalty_coupons", "loyalty_api_keys", "loyalty_reservations", "loyalty_line_points",
                  "loyalty_lots", "loyalty_ledger", "loyalty_accounts", "loyalty_cards", "loyalty_members"):
        op.drop_table(table)

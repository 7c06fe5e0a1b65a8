"""The loyalty engine's tables, as the hub's migration ``0013_loyalty`` creates them.

The plugin reads and writes them through ``PluginTransaction.connection``, inside the
hub's transactions, so a posting and the points it earns commit together. The ledger
(``ledger``) is the truth: every movement of points is one row; ``accounts.balance`` is
the sum of an account's rows, kept beside it in the same transaction so that one row
answers a till and can be locked. ``lots`` say when points may be spent (pending until
the return window closed) and when they expire. Points are whole numbers.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
Time = sa.DateTime(timezone=True)

members = sa.Table(
    "loyalty_members", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("programme_hub_id", sa.String(40), nullable=False),
    sa.Column("partner_hub_id", sa.String(40), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("tier_code", sa.String(40), nullable=True),
    sa.Column("tier_since", Time, nullable=True),
    sa.Column("enrolled_at", Time, nullable=False),
)

cards = sa.Table(
    "loyalty_cards", metadata,
    sa.Column("card_number", sa.String(64), primary_key=True),
    sa.Column("member_id", sa.String(40), sa.ForeignKey("loyalty_members.id"), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("issued_at", Time, nullable=False),
)

accounts = sa.Table(
    "loyalty_accounts", metadata,
    sa.Column("member_id", sa.String(40), sa.ForeignKey("loyalty_members.id"), primary_key=True),
    sa.Column("point_type", sa.String(40), primary_key=True),
    sa.Column("balance", sa.BigInteger, nullable=False),
)

ledger = sa.Table(
    "loyalty_ledger", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.String(40), nullable=False),
    sa.Column("point_type", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("points", sa.BigInteger, nullable=False),
    sa.Column("occurred_at", Time, nullable=False),
    sa.Column("qualifying", sa.Boolean, nullable=False),
    sa.Column("rule_code", sa.String(40), nullable=True),
    sa.Column("receipt", sa.String(160), nullable=True, index=True),
    sa.Column("document_hub_id", sa.String(40), nullable=True, index=True),
    sa.Column("reverses_id", sa.Integer, nullable=True, index=True),
    sa.Column("reservation_id", sa.String(40), nullable=True),
    sa.Column("reason", sa.String(200), nullable=True),
    sa.Index("ix_loyalty_ledger_account", "member_id", "point_type"),
)

lots = sa.Table(
    "loyalty_lots", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.String(40), nullable=False),
    sa.Column("point_type", sa.String(40), nullable=False),
    sa.Column("ledger_id", sa.Integer, nullable=False, index=True),
    sa.Column("points", sa.BigInteger, nullable=False),
    sa.Column("remaining", sa.BigInteger, nullable=False),
    sa.Column("available_on", sa.Date, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=True),
    sa.Index("ix_loyalty_lots_account", "member_id", "point_type", "remaining"),
)

line_points = sa.Table(
    "loyalty_line_points", metadata,
    sa.Column("ledger_id", sa.Integer, primary_key=True),
    sa.Column("line_number", sa.Integer, primary_key=True),
    sa.Column("receipt", sa.String(160), nullable=False, index=True),
    sa.Column("quantity", sa.String(32), nullable=False),
    sa.Column("share_millis", sa.BigInteger, nullable=False),
    sa.Column("reversed_millis", sa.BigInteger, nullable=False),
)

reservations = sa.Table(
    "loyalty_reservations", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("store", sa.String(40), nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False),
    sa.Column("member_id", sa.String(40), nullable=False, index=True),
    sa.Column("point_type", sa.String(40), nullable=False),
    sa.Column("points", sa.BigInteger, nullable=False),
    sa.Column("receipt", sa.String(160), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("expires_at", Time, nullable=False),
    sa.Column("finished_at", Time, nullable=True),
    sa.Column("ledger_id", sa.Integer, nullable=True),
    sa.UniqueConstraint("store", "idempotency_key", name="uq_loyalty_reservations_key"),
)

api_keys = sa.Table(
    "loyalty_api_keys", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("store", sa.String(40), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("revoked_at", Time, nullable=True),
)

coupons = sa.Table(
    "loyalty_coupons", metadata,
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

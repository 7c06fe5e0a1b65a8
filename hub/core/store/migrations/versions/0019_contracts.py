"""The contracts plugin's tables: the contract index, the billing-plan claims, releases.

Revision ID: 0019
Revises: 0018

``contract_billing`` is the durable claim that makes each billing-plan date billed once:
keyed (contract, item, billing date), its state moves due -> requested in the same
transaction as the billing request and its outbox message, and requested -> billed when
the ERP's invoice comes back. The plugin declares the same tables in
``plugins/contracts/tables.py``; a test compares the two.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# The column types as this revision creates them; never import application code here.
Time = sa.DateTime(timezone=True)
Amount = sa.Numeric(18, 4)


def upgrade() -> None:
    op.create_table(
        "contract_index",
        sa.Column("hub_id", sa.String(40), primary_key=True),
        sa.Column("doc_type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sold_to_hub_id", sa.String(40), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True, index=True),
        sa.Column("auto_renew", sa.Boolean, nullable=False),
        sa.Column("cancelled_on", sa.Date, nullable=True),
        sa.Column("updated_at", Time, nullable=False),
    )
    op.create_table(
        "contract_billing",
        sa.Column("contract_hub_id", sa.String(40), primary_key=True),
        sa.Column("item_number", sa.Integer, primary_key=True),
        sa.Column("billing_date", sa.Date, primary_key=True),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("amount", Amount, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("request_hub_id", sa.String(40), nullable=True, index=True),
        sa.Column("requested_at", Time, nullable=True),
        sa.Column("usage_quantity", Amount, nullable=True),
        sa.Column("invoice_hub_id", sa.String(40), nullable=True),
        sa.Column("billed_at", Time, nullable=True),
        sa.Index("ix_contract_billing_due", "state", "billing_date"),
    )
    op.create_table(
        "contract_releases",
        sa.Column("contract_hub_id", sa.String(40), primary_key=True),
        sa.Column("order_hub_id", sa.String(40), primary_key=True),
        sa.Column("order_version", sa.Integer, nullable=False),
        sa.Column("value", Amount, nullable=True),
        sa.Column("quantities", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("recorded_at", Time, nullable=False),
    )


def downgrade() -> None:
    for table in ("contract_releases", "contract_billing", "contract_index"):
        op.drop_table(table)

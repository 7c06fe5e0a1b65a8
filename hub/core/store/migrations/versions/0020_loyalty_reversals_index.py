"""An index on the loyalty ledger's ``reverses_id``.

Revision ID: 0020
Revises: 0019

Each reversal (a returned line, a cancelled web order) asks how much of the entry it
reverses was reversed before (``WHERE reverses_id = ?``). Without an index that scans
the whole ledger, once per reversal: a day file of 100,000 receipts with a few thousand
returns spent most of its time there.
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_loyalty_ledger_reverses_id", "loyalty_ledger", ["reverses_id"])


def downgrade() -> None:
    op.drop_index("ix_loyalty_ledger_reverses_id", table_name="loyalty_ledger")

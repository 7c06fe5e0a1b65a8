"""The contracts plugin's tables, as the hub's migration ``0019_contracts`` creates them.

``contract_index`` is one row per contract (both kinds) with what the scheduled jobs
select on (end of validity, renewal), so they never scan documents. ``contract_billing``
is the durable claim of the billing plans: one row per (contract, item, billing date),
``due`` until a billing run turns it ``requested`` in the very transaction that writes
the billing request (and with it the outbox message to the ERP), ``billed`` once the
ERP's invoice came back. ``contract_releases`` keeps what each release order counts
against its contract, so a changed order replaces its own contribution.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

metadata = sa.MetaData()
Time = sa.DateTime(timezone=True)
Amount = sa.Numeric(18, 4)

index = sa.Table(
    "contract_index", metadata,
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

billing = sa.Table(
    "contract_billing", metadata,
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

releases = sa.Table(
    "contract_releases", metadata,
    sa.Column("contract_hub_id", sa.String(40), primary_key=True),
    sa.Column("order_hub_id", sa.String(40), primary_key=True),
    sa.Column("order_version", sa.Integer, nullable=False),
    sa.Column("value", Amount, nullable=True),
    sa.Column("quantities", sa.JSON, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("recorded_at", Time, nullable=False),
)

DUE = "due"
REQUESTED = "requested"
BILLED = "billed"
CANCELLED = "cancelled"
NOTHING = "nothing"
"""States of a billing-plan date; ``cancelled``: after the contract's cancellation took effect
(or of a contract that is no longer active); ``nothing``: a date of an item billed only by
usage, with no usage beyond what is included, so no request was sent."""

COUNTED = "counted"
FLAGGED = "flagged"
REFUSED = "refused"
"""States of a release: counted, counted beyond the target (flagged), or not counted (refused)."""


def plain(value: Decimal | None) -> Decimal | None:
    """An amount read back from an ``Amount`` column without the column's trailing zeros
    beyond cents (``600.0000`` -> ``600.00``; ``0.0500`` stays ``0.05``)."""
    if value is None:
        return None
    cents = value.quantize(Decimal("0.01"))
    return cents if cents == value else value.normalize()

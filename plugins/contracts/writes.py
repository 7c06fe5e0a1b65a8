"""Writing contracts from the plugin, with their index row and billing claims in step.

The plugin's own changes do not come back to its subscription, so whatever writes a
contract here also records it in the index and syncs its billing-plan rows, in the
same transaction as the write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from hub.api import ApplyChange, CanonicalChange, PluginTransaction, SalesContract, ServiceContract, utcnow
from plugins.contracts import index, schedule
from plugins.contracts.settings import ContractsSettings

Contract = SalesContract | ServiceContract


def track(conn: sa.Connection, contract: Contract, settings: ContractsSettings, today: dt.date) -> None:
    """Record ``contract`` in the index and, for a service contract, sync its billing rows."""
    index.record(conn, contract)
    if isinstance(contract, ServiceContract):
        schedule.sync(conn, contract, today, settings.horizon_days)


def write_contracts(transaction: PluginTransaction, contracts: Sequence[Contract], settings: ContractsSettings,
                    today: dt.date) -> None:
    """Write ``contracts`` through master data (as the ``contracts`` system) and track them."""
    if not contracts:
        return
    transaction.upsert(contracts)
    for contract in contracts:
        track(transaction.connection, contract, settings, today)


def contract_subscriber(settings: ContractsSettings) -> ApplyChange:
    """The subscription's apply function for contracts written by other systems (the
    ERP, the REST API, ``hub ingest``): their index row and billing-plan rows."""

    def apply(transaction: PluginTransaction, change: CanonicalChange) -> str | None:
        contract = change.document()
        assert isinstance(contract, SalesContract | ServiceContract)
        track(transaction.connection, contract, settings, utcnow().date())
        return None

    return apply

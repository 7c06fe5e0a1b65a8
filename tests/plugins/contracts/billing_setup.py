"""Many service contracts due today in a hub database, as the contracts subscription
would leave them (index row and billing-plan rows), for the exactly-once tests."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import sqlalchemy as sa

from hub.api import Partner, ServiceContract
from hub.core.masterdata import Incoming
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate
from plugins.contracts.settings import ContractsSettings
from plugins.contracts.tables import billing
from plugins.contracts.writes import track


def prepared_hub(database_url: str, mappings: str, count: int) -> HubRuntime:
    """A migrated hub with ``count`` service contracts, each with one date due today."""
    runtime = HubRuntime(HubSettings(database_url=database_url, mappings_dir=mappings))
    migrate.upgrade(runtime.engine)
    masterdata = runtime.masterdata()
    customer = Partner.model_validate({"kind": "organisation", "organisation_name": "Billing GmbH"})
    [partner] = masterdata.upsert_many([Incoming(customer, "hub")])
    today = dt.date.today()
    contracts = [ServiceContract.model_validate({
        "currency": "EUR", "sold_to_hub_id": partner.hub_id, "valid_from": today.isoformat(),
        "partners": [{"function": "sold_to", "partner_hub_id": partner.hub_id}],
        "items": [{"item_number": 10, "product_external_id": "SERVICE-1", "description": "support",
                   "billing_plan": {"frequency": "yearly", "amount": {"amount": "120.00", "currency": "EUR"},
                                    "start_date": today.isoformat()}}]}) for _ in range(count)]
    settings = ContractsSettings()
    for start in range(0, count, 2000):
        chunk = contracts[start:start + 2000]
        results = masterdata.upsert_many([Incoming(c, "hub") for c in chunk])
        with runtime.engine.begin() as conn:
            for contract, result in zip(chunk, results, strict=True):
                contract.hub_id = result.hub_id
                track(conn, contract, settings, today)
    return runtime


def tally(engine: sa.Engine) -> dict[str, Any]:
    """Dates due today or before, requested dates, billing requests written, queue messages to the ERP, duplicates."""
    c = billing.c
    with engine.connect() as conn:
        dates = conn.execute(sa.select(sa.func.count()).where(c.billing_date <= dt.date.today())).scalar_one()
        requested = conn.execute(sa.select(sa.func.count()).where(c.state == "requested")).scalar_one()
        distinct = conn.execute(sa.select(sa.func.count(sa.distinct(c.request_hub_id)))
                                .where(c.state == "requested")).scalar_one()
        orders = conn.execute(sa.text("SELECT count(*) FROM documents WHERE doc_type = 'sales_order'")).scalar_one()
        messages = conn.execute(sa.text("SELECT count(*) FROM queue_messages WHERE doc_type = 'sales_order'"
                                        " AND system = 'erp_sap'")).scalar_one()
        per_order = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT hub_id FROM queue_messages WHERE doc_type = 'sales_order'"
            " AND system = 'erp_sap' GROUP BY hub_id HAVING count(*) > 1) AS twice")).scalar_one()
    return {"dates": dates, "requested": requested, "orders": orders, "erp_messages": messages,
            "duplicates": (requested - distinct) + max(orders - requested, 0) + per_order}


def hub_env(database_url: str) -> dict[str, str]:
    """The environment of a ``hub`` subprocess on this database."""
    return {**os.environ, "HUB_DATABASE_URL": database_url}

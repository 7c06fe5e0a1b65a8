"""The contract index: one row per contract with what the scheduled jobs select on.

Written whenever the plugin learns of a contract's new version (its subscription) or
writes one itself (releases, renewals, cancellations, billed dates), in that same
transaction, so the jobs never scan documents.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.api import SalesContract, ServiceContract, utcnow
from plugins.contracts.tables import index

Contract = SalesContract | ServiceContract


def record(conn: sa.Connection, contract: Contract) -> None:
    """Insert or replace the index row of ``contract``."""
    assert contract.hub_id is not None
    renewal = contract.renewal.auto_renew if isinstance(contract, ServiceContract) else False
    cancellation = contract.cancellation if isinstance(contract, ServiceContract) else None
    values = {"doc_type": contract.doc_type, "status": contract.status.value,
              "sold_to_hub_id": contract.sold_to_hub_id, "valid_from": contract.valid_from,
              "valid_to": contract.valid_to, "auto_renew": renewal,
              "cancelled_on": cancellation.effective_on if cancellation else None, "updated_at": utcnow()}
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = module.insert(index).values(hub_id=contract.hub_id, **values)
    conn.execute(insert.on_conflict_do_update(index_elements=[index.c.hub_id], set_=values))

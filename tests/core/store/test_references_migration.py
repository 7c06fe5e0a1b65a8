"""Migration 0012 indexes the partner references of documents stored before it."""

from __future__ import annotations

import json

import sqlalchemy as sa

from hub.core.model.base import utcnow
from hub.core.store import migrate, references
from hub.core.store.db import create_engine


def test_upgrade_back_fills_the_references_of_stored_documents(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine, "0010")
    order = {"sold_to_hub_id": "bp_A", "partners": [{"function": "ship_to", "partner_hub_id": "bp_B"},
                                                    {"function": "sold_to", "partner_hub_id": "bp_A"}],
             "items": [{"product_hub_id": "pr_X"}], "payer_hub_id": ""}
    with engine.begin() as conn:
        for hub_id, doc_type, data in (("so_1", "sales_order", order), ("bp_A", "partner", {"last_name": "A"}),
                                       ("bd_1", "billing_document", {"payer_hub_id": "bp_B"})):
            conn.execute(sa.text(
                "INSERT INTO documents (hub_id, doc_type, version, data, field_sources, created_at, updated_at)"
                " VALUES (:hub_id, :doc_type, 1, :data, '{}', :now, :now)"),
                {"hub_id": hub_id, "doc_type": doc_type, "data": json.dumps(data), "now": utcnow()})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert references.referring(conn, "bp_A") == {"so_1": ["partners.partner_hub_id", "sold_to_hub_id"]}
        assert references.referring(conn, "bp_B") == {
            "so_1": ["partners.partner_hub_id"], "bd_1": ["payer_hub_id"]}
        assert references.referring(conn, "pr_X") == {}
    engine.dispose()

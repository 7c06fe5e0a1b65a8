"""A chunk's key-map lookups: fetched together up front, each answer kept for the chunk."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hub.core.inbound.lookup import ChunkLookup
from hub.core.store import keymap
from hub.core.store.keymap import ExternalKey


def test_prefetch_asks_once_per_object_type_and_keeps_every_answer(hub_engine: sa.Engine) -> None:
    with hub_engine.begin() as conn:
        keymap.link_new(conn, [(ExternalKey("erp_sap", "partner", "1"), "bp_A"),
                               (ExternalKey("erp_sap", "product", "9"), "pr_B")])
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(hub_engine, "before_cursor_execute", count)
    try:
        with hub_engine.connect() as conn:
            lookup = ChunkLookup(conn)
            lookup.prefetch([("erp_sap", "partner", "1"), ("erp_sap", "partner", "2"),
                             ("erp_sap", "product", "9"), ("erp_sap", "partner", "1")])
            assert len(statements) == 2
            assert lookup("erp_sap", "partner", "1") == "bp_A"
            assert lookup("erp_sap", "partner", "2") is None  # known to be unknown
            assert lookup("erp_sap", "product", "9") == "pr_B"
            assert len(statements) == 2
            assert lookup("erp_sap", "partner", "3") is None  # not foreseen: asked on its own, once
            assert lookup("erp_sap", "partner", "3") is None
            assert len(statements) == 3
            lookup.prefetch([("erp_sap", "partner", "1")])  # already known: no query
            assert len(statements) == 3
    finally:
        sa.event.remove(hub_engine, "before_cursor_execute", count)


def test_forget_asks_again(hub_engine: sa.Engine) -> None:
    with hub_engine.connect() as conn:
        lookup = ChunkLookup(conn)
        assert lookup("erp_sap", "partner", "1") is None
        keymap.link_new(conn, [(ExternalKey("erp_sap", "partner", "1"), "bp_A")])
        assert lookup("erp_sap", "partner", "1") is None  # kept answer
        lookup.forget()
        assert lookup("erp_sap", "partner", "1") == "bp_A"

"""The key map links external ids to hub ids, once and unambiguously."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.core.store import keymap
from hub.core.store.keymap import ExternalKey, KeyConflictError


def test_link_lookup_and_reverse(hub_engine: sa.Engine) -> None:
    with hub_engine.begin() as conn:
        assert keymap.link(conn, ExternalKey("erp_sap", "partner", "0000100001"), "bp_A") is True
        assert keymap.link(conn, ExternalKey("erp_sap", "partner", "0000100001"), "bp_A") is False
        keymap.link(conn, ExternalKey("ecommerce", "partner", "shop-7"), "bp_A")
        keymap.link(conn, ExternalKey("ecommerce", "guest", "anna@example.de"), "bp_A")  # a lookup aid, no id
    with hub_engine.connect() as conn:
        assert keymap.lookup(conn, "erp_sap", "partner", "0000100001") == "bp_A"
        assert keymap.lookup(conn, "erp_sap", "partner", "100001") is None
        assert keymap.lookup(conn, "erp_sap", "product", "0000100001") is None
        assert keymap.reverse_lookup(conn, "ecommerce", "partner", "bp_A") == "shop-7"
        assert keymap.external_ids_of(conn, ["bp_A"]) == {
            "bp_A": {"erp_sap": ["0000100001"], "ecommerce": ["shop-7"]}
        }
        assert keymap.lookup_many(conn, "erp_sap", "partner", ["0000100001", "x"]) == {
            "0000100001": "bp_A"
        }


def test_an_external_id_cannot_point_to_two_records(hub_engine: sa.Engine) -> None:
    with hub_engine.begin() as conn:
        keymap.link(conn, ExternalKey("erp_sap", "partner", "1"), "bp_A")
    with pytest.raises(KeyConflictError, match="linked to bp_A"):
        with hub_engine.begin() as conn:
            keymap.link(conn, ExternalKey("erp_sap", "partner", "1"), "bp_B")


def test_the_database_refuses_a_second_link_of_the_same_id(hub_engine: sa.Engine) -> None:
    with hub_engine.begin() as conn:
        keymap.link_new(conn, [(ExternalKey("erp_sap", "partner", "1"), "bp_A")])
    with pytest.raises(sa.exc.IntegrityError):
        with hub_engine.begin() as conn:
            keymap.link_new(conn, [(ExternalKey("erp_sap", "partner", "1"), "bp_B")])

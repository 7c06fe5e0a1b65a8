"""Plugin state: named JSON values per plugin, written in the caller's transaction."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.core.errors import DocumentError
from hub.core.store import plugin_state


def test_values_are_kept_per_plugin_replaced_and_removed(hub_engine: sa.Engine) -> None:
    with hub_engine.begin() as conn:
        plugin_state.write(conn, "shop", {"orders_cursor": "2026-12-01T00:00:00Z", "pages": 3})
        plugin_state.write(conn, "pos", {"orders_cursor": {"day": "2026-12-01", "seq": [1, 2]}})
    with hub_engine.begin() as conn:
        plugin_state.write(conn, "shop", {"orders_cursor": "2026-12-02T00:00:00Z", "pages": None})
    with hub_engine.connect() as conn:
        assert plugin_state.read_all(conn, "shop") == {"orders_cursor": "2026-12-02T00:00:00Z"}
        assert plugin_state.read(conn, "pos", "orders_cursor") == {"day": "2026-12-01", "seq": [1, 2]}
        assert plugin_state.read(conn, "shop", "pages") is None


def test_a_value_written_in_a_transaction_that_rolls_back_is_not_kept(hub_engine: sa.Engine) -> None:
    with pytest.raises(RuntimeError), hub_engine.begin() as conn:
        plugin_state.write(conn, "shop", {"orders_cursor": "advanced"})
        raise RuntimeError("the page's documents failed to post")
    with hub_engine.connect() as conn:
        assert plugin_state.read(conn, "shop", "orders_cursor") is None


def test_a_name_must_be_given_and_short(hub_engine: sa.Engine) -> None:
    with hub_engine.begin() as conn, pytest.raises(DocumentError, match="1 to 120 characters"):
        plugin_state.write(conn, "shop", {"x" * 121: 1})

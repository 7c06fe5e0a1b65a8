"""Bulk statements: lists bound as one parameter, inserts given column by column."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.core.model.base import utcnow
from hub.core.store import keymap
from hub.core.store.bulk import insert_columns, insert_rows, one_of
from hub.core.store.keymap import ExternalKey

key_map = keymap.key_map


def test_one_of_finds_exactly_the_listed_values(hub_engine: sa.Engine) -> None:
    # Ids that look like numbers, carry quotes or umlauts, and more of them than one
    # statement may hold placeholders for (SQLite's default limit is 999/32766).
    stored = [f"{n:010d}" for n in range(40_000)] + ['say "hi"', "Köln\\1", "it's"]
    with hub_engine.begin() as conn:
        keymap.link_new(conn, [(ExternalKey("erp_sap", "partner", x), f"bp_{i}") for i, x in enumerate(stored)])
    asked = stored[::2] + ["0000000001x", "1", "", "Köln"]
    with hub_engine.connect() as conn:
        query = sa.select(key_map.c.external_id).where(one_of(conn.dialect.name, key_map.c.external_id, "ids"))
        found = set(conn.execute(query, {"ids": asked}).scalars())
        assert keymap.lookup_many(conn, "erp_sap", "partner", ['say "hi"', "it's", "0000000002"]) == {
            'say "hi"': f"bp_{len(stored) - 3}", "it's": f"bp_{len(stored) - 1}", "0000000002": "bp_2"
        }
    assert found == set(stored[::2])


def test_columns_and_rows_store_the_same(hub_engine: sa.Engine) -> None:
    now = utcnow()
    earlier = now - timedelta(hours=1)
    with hub_engine.begin() as conn:
        insert_columns(conn, key_map, {
            "system": ["a", "a", "a"], "object_type": ["partner"] * 3, "external_id": ["1", "2", "3"],
            "hub_id": ["bp_1", "bp_2", "bp_3"], "created_at": [now, now, earlier],
        })
        insert_rows(conn, key_map, [{"system": "b", "object_type": "partner", "external_id": "1",
                                     "hub_id": "bp_1", "created_at": now}])
        insert_columns(conn, key_map, {"system": [], "object_type": [], "external_id": [], "hub_id": [],
                                       "created_at": []})
    with hub_engine.connect() as conn:
        rows = conn.execute(
            sa.select(key_map.c.system, key_map.c.external_id, key_map.c.created_at)
            .order_by(key_map.c.system, key_map.c.external_id)
        ).all()
    assert [(r.system, r.external_id, r.created_at) for r in rows] == [
        ("a", "1", now), ("a", "2", now), ("a", "3", earlier), ("b", "1", now)
    ]


def test_a_refused_bulk_insert_raises_what_sqlalchemy_raises(hub_engine: sa.Engine) -> None:
    now = utcnow()
    columns = {"system": ["a", "a"], "object_type": ["partner"] * 2, "external_id": ["1", "1"],
               "hub_id": ["bp_1", "bp_2"], "created_at": [now, now]}
    with pytest.raises(sa.exc.IntegrityError):
        with hub_engine.begin() as conn:
            insert_columns(conn, key_map, columns)
    with hub_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(key_map)).scalar_one() == 0

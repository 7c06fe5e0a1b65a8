"""Writing documents: a create's change set made only when someone reads it, its data
serialised once for its row and its first version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.core.errors import NotFoundError, StaleUpdateError
from hub.core.model.base import utcnow
from hub.core.store import documents, migrate
from hub.core.store.db import create_engine
from hub.core.store.documents import CreatedChanges, DocumentWrite, NewVersion, created_changes


def test_created_changes_read_lazily_equal_the_eager_ones() -> None:
    data = {"name": "Müller", "emails": [], "note": "", "count": 0, "flag": False, "missing": None,
            "address": {"city": "Köln"}}
    lazy = CreatedChanges(data)
    assert lazy._made is None and bool(lazy)
    assert lazy._made is None  # answering "anything changed?" made nothing
    assert dict(lazy) == created_changes(data) == {
        "name": {"old": None, "new": "Müller"}, "count": {"old": None, "new": 0},
        "flag": {"old": None, "new": False}, "address": {"old": None, "new": {"city": "Köln"}},
    }
    assert lazy == created_changes(data) and len(lazy) == 4 and lazy["count"] == {"old": None, "new": 0}
    assert sorted(lazy) == ["address", "count", "flag", "name"]


def test_a_create_of_nothing_changed_nothing() -> None:
    empty = CreatedChanges({"emails": [], "note": "", "missing": None})
    assert not empty and dict(empty) == {} and len(empty) == 0


def test_a_new_documents_data_is_serialised_once_for_its_row_and_its_version(tmp_path: Path) -> None:
    made: list[object] = []

    def serialise(value: object) -> str:
        made.append(value)
        return json.dumps(value)

    engine = create_engine(f"sqlite:///{tmp_path / 'hub.db'}", json_serializer=serialise)
    migrate.upgrade(engine)
    data, now = {"name": "Müller", "count": 1}, utcnow()
    with engine.begin() as conn:
        documents.write(conn, [DocumentWrite("bp_1", "partner", 0, 1, data, {"name": "erp_sap"}, now)],
                        [NewVersion("bp_1", "partner", 1, data, None, "erp_sap", now)])
    with engine.connect() as conn:
        assert documents.get(conn, "bp_1").data == data
        assert [v.data for v in documents.history(conn, "bp_1")] == [data]
    engine.dispose()
    assert sum(1 for value in made if value is data) == 1


def test_updates_of_a_batch_go_together_and_a_stale_one_is_named(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate.upgrade(engine)
    now = utcnow()
    with engine.begin() as conn:
        documents.write(conn, [DocumentWrite(f"bp_{n}", "partner", 0, 1, {"n": n}, {}, now) for n in range(3)], [])
    with engine.begin() as conn:
        documents.write(conn, [DocumentWrite(f"bp_{n}", "partner", 1, 2, {"n": n + 10}, {}, now) for n in range(3)],
                        [])
    with engine.connect() as conn:
        assert [documents.get(conn, f"bp_{n}").data for n in range(3)] == [{"n": 10}, {"n": 11}, {"n": 12}]
    # bp_1 was based on version 1, but the store holds version 2 by now.
    writes = [DocumentWrite("bp_0", "partner", 2, 3, {"n": 20}, {}, now),
              DocumentWrite("bp_1", "partner", 1, 2, {"n": 21}, {}, now)]
    with pytest.raises(StaleUpdateError, match="bp_1"), engine.begin() as conn:
        documents.write(conn, writes, [])
    with pytest.raises(NotFoundError, match="bp_9"), engine.begin() as conn:
        documents.write(conn, [DocumentWrite("bp_9", "partner", 1, 2, {}, {}, now)], [])
    with engine.connect() as conn:
        assert documents.get(conn, "bp_0").data == {"n": 10}  # rolled back with the stale one
    engine.dispose()

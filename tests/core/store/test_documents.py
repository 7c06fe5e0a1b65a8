"""A create's change set, made only when someone reads it."""

from __future__ import annotations

from hub.core.store.documents import CreatedChanges, created_changes


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

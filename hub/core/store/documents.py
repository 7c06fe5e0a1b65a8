"""Canonical documents in the store: the current golden record plus every version.

All functions work inside the caller's transaction. Updates are optimistic: a row is
only changed if its stored version is the one the change was based on, so a stale
writer is refused instead of silently overwriting a newer record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

import sqlalchemy as sa

from hub.core.errors import NotFoundError, StaleUpdateError
from hub.core.store import references
from hub.core.store.bulk import bind_once, insert_columns, one_of
from hub.core.store.tables import DocumentRow, DocumentVersionRow

documents = DocumentRow.__table__
versions = DocumentVersionRow.__table__


@dataclass
class StoredDocument:
    """A golden record as stored: JSON data plus bookkeeping."""

    hub_id: str
    doc_type: str
    version: int
    data: dict[str, Any]
    field_sources: dict[str, str]
    merged_into: str | None
    created_at: datetime
    updated_at: datetime


class NewVersion(NamedTuple):
    """One version to record: the full data, what changed and who changed it.

    Named tuples, this and ``DocumentWrite``: a bulk load makes one of each per
    document, and a frozen dataclass took five times as long to build.

    ``changes`` is None for a create: what it changed is all of ``data`` (see
    ``created_changes``), which the row then holds only once.
    """

    hub_id: str
    doc_type: str
    version: int
    data: dict[str, Any]
    changes: Mapping[str, Any] | None
    source_system: str
    at: datetime


class DocumentWrite(NamedTuple):
    """The new current state of one document, replacing version ``based_on``
    (0 for a document that does not exist yet)."""

    hub_id: str
    doc_type: str
    based_on: int
    version: int
    data: dict[str, Any]
    field_sources: dict[str, str]
    at: datetime


def _holds_something(value: Any) -> bool:
    # golden.is_empty inlined: this runs for every field of every new document.
    return value is not None and (bool(value) or not isinstance(value, (str, list, dict)))


def created_changes(data: dict[str, Any]) -> dict[str, Any]:
    """What creating a document with ``data`` changed: every field that holds something,
    from nothing to its value."""
    return {k: {"old": None, "new": v} for k, v in data.items() if _holds_something(v)}


class CreatedChanges(Mapping[str, Any]):
    """``created_changes(data)``, made only when first read.

    A bulk load creates thousands of documents whose change sets nobody reads: the
    stored version row leaves them out, and most callers only ask whether anything
    changed, which the first non-empty field answers.
    """

    __slots__ = ("_data", "_made")

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self._made: dict[str, Any] | None = None

    def _changes(self) -> dict[str, Any]:
        if self._made is None:
            self._made = created_changes(self._data)
        return self._made

    def __bool__(self) -> bool:
        return any(map(_holds_something, self._data.values()))

    def __getitem__(self, name: str) -> Any:
        return self._changes()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._changes())

    def __len__(self) -> int:
        return len(self._changes())

    def __repr__(self) -> str:
        return repr(self._changes())


def _stored(row: sa.Row[Any]) -> StoredDocument:
    return StoredDocument(**row._mapping)


def get(conn: sa.Connection, hub_id: str, *, for_update: bool = False) -> StoredDocument:
    """The current record of ``hub_id``; NotFoundError if there is none."""
    query = sa.select(documents).where(documents.c.hub_id == hub_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFoundError(f"no document with hub id {hub_id!r}")
    return _stored(row)


@lru_cache(maxsize=8)
def _get_many(backend: str, for_update: bool) -> sa.Select[Any]:
    query = sa.select(documents).where(one_of(backend, documents.c.hub_id, "b_hub_ids"))
    return query.with_for_update() if for_update else query


def get_many(
    conn: sa.Connection, hub_ids: Iterable[str], *, for_update: bool = False
) -> dict[str, StoredDocument]:
    """hub id -> current record for those of ``hub_ids`` that exist."""
    ids = list(dict.fromkeys(hub_ids))
    if not ids:
        return {}
    rows = conn.execute(_get_many(conn.dialect.name, for_update), {"b_hub_ids": ids})
    return {row.hub_id: _stored(row) for row in rows}


def write(conn: sa.Connection, writes: Sequence[DocumentWrite], new_versions: Sequence[NewVersion]) -> None:
    """Write new current states and their version rows, in bulk.

    Existing documents are only updated if their stored version is still
    ``based_on``; otherwise StaleUpdateError is raised and the caller's transaction
    must roll back, so nothing is half-written. The partner references of every
    written document are indexed anew in the same transaction (``references``).
    """
    inserts = [w for w in writes if w.based_on == 0]
    # A new document's data goes into its row and its first version row: serialised once.
    data = bind_once(conn, documents.c.data, [w.data for w in inserts] + [v.data for v in new_versions])
    if inserts:
        insert_columns(conn, documents, {
            "hub_id": [w.hub_id for w in inserts], "doc_type": [w.doc_type for w in inserts],
            "version": [w.version for w in inserts], "data": data[: len(inserts)],
            "field_sources": [w.field_sources for w in inserts], "merged_into": [None] * len(inserts),
            "created_at": [w.at for w in inserts], "updated_at": [w.at for w in inserts],
        }, bound=("data",))
    _update(conn, [w for w in writes if w.based_on])
    if new_versions:
        insert_columns(conn, versions, {
            "hub_id": [v.hub_id for v in new_versions], "version": [v.version for v in new_versions],
            "doc_type": [v.doc_type for v in new_versions], "data": data[len(inserts) :],
            "changes": [v.changes for v in new_versions],
            "source_system": [v.source_system for v in new_versions],
            "changed_at": [v.at for v in new_versions],
        }, bound=("data",))
    if writes:
        references.replace(conn, [(w.hub_id, w.data) for w in writes], new=[w.hub_id for w in inserts])


@lru_cache(maxsize=1)
def _update_statement() -> sa.Update:
    return documents.update().where(
        documents.c.hub_id == sa.bindparam("b_hub_id"), documents.c.version == sa.bindparam("b_based_on")
    ).values(version=sa.bindparam("version"), data=sa.bindparam("data"),
             field_sources=sa.bindparam("field_sources"), updated_at=sa.bindparam("updated_at"))


def _update(conn: sa.Connection, updates: Sequence[DocumentWrite]) -> None:
    """Update existing documents in one ``executemany``, each only if still at its
    ``based_on`` version: a list import links a thousand rows to partners per batch,
    and one statement each was most of the store's time for them.

    The rows updated are counted together; when they fall short, one of them was stale
    or gone, and the caller's transaction must roll back: the first whose row does not
    hold what was written is named. A driver that cannot count an ``executemany`` updates
    one row per statement.
    """
    if not updates:
        return
    if not conn.dialect.supports_sane_multi_rowcount:
        for w in updates:
            _update_many(conn, [w])
        return
    _update_many(conn, updates)


def _update_many(conn: sa.Connection, updates: Sequence[DocumentWrite]) -> None:
    rows = [{"b_hub_id": w.hub_id, "b_based_on": w.based_on, "version": w.version, "data": w.data,
             "field_sources": w.field_sources, "updated_at": w.at} for w in updates]
    if conn.execute(_update_statement(), rows).rowcount == len(updates):
        return
    stored = {hub_id: (version, data) for hub_id, version, data in conn.execute(
        sa.select(documents.c.hub_id, documents.c.version, documents.c.data).where(
            one_of(conn.dialect.name, documents.c.hub_id, "b_hub_ids")),
        {"b_hub_ids": [w.hub_id for w in updates]},
    )}
    missing = next((w for w in updates if w.hub_id not in stored), None)
    if missing is not None:
        raise NotFoundError(f"no document with hub id {missing.hub_id!r}")
    # Another writer may have reached the very version this one meant to write: the data tells.
    stale = next((w for w in updates if stored[w.hub_id] != (w.version, w.data)), updates[0])
    raise StaleUpdateError(stale.hub_id, stale.based_on, stored[stale.hub_id][0])


def mark_merged(conn: sa.Connection, hub_id: str, into: str | None, at: datetime) -> None:
    """Mark ``hub_id`` as merged into ``into`` (None: active again, an unmerge); it
    stays readable with its history."""
    conn.execute(
        documents.update().where(documents.c.hub_id == hub_id).values(merged_into=into, updated_at=at)
    )


def history(conn: sa.Connection, hub_id: str) -> list[DocumentVersionRow]:
    """Every version of a document, oldest first, each with what it changed."""
    rows = conn.execute(
        sa.select(versions).where(versions.c.hub_id == hub_id).order_by(versions.c.version)
    )
    return [
        DocumentVersionRow.model_validate(
            row._mapping if row.changes is not None
            else {**row._mapping, "changes": created_changes(row.data)}
        )
        for row in rows
    ]


def version_data(conn: sa.Connection, hub_id: str, version: int) -> dict[str, Any]:
    """The full data of one version of a document; NotFoundError if it was not kept."""
    data = conn.execute(
        sa.select(versions.c.data).where(versions.c.hub_id == hub_id, versions.c.version == version)
    ).scalar_one_or_none()
    if data is None:
        raise NotFoundError(f"no version {version} of {hub_id!r}")
    return dict(data)


def list_ids(conn: sa.Connection, doc_type: str, *, include_merged: bool = False) -> list[str]:
    """Hub ids of all documents of one type."""
    query = sa.select(documents.c.hub_id).where(documents.c.doc_type == doc_type)
    if not include_merged:
        query = query.where(documents.c.merged_into.is_(None))
    return list(conn.execute(query.order_by(documents.c.hub_id)).scalars())

"""Merging two golden records that turned out to be one (typically duplicate partners).

The survivor keeps its values, fills its empty fields from the other record and gains
the other's list entries (addresses, e-mails, roles...); every external id of the
other record is re-pointed to the survivor, so both systems' ids now find it, and a
document that arrives later for one of them lands on the survivor. The other record is
not deleted: it stays readable with its full history and points to the survivor
(``merged_into``).

Nothing is left pointing at the other record: every document that names it (found
through the reference index) gets a new version naming the survivor, and each new
version goes through the listeners (the outbox), so the target systems hear of it.
What the merge did is recorded (``hub.core.store.merges``) so that ``unmerge`` can undo
exactly that within the retention period.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hub.core.errors import HubError
from hub.core.events import ChangeListener, DocumentChange
from hub.core.masterdata import matchkeys
from hub.core.masterdata.duplicates import PartnerProfile
from hub.core.masterdata.golden import is_empty
from hub.core.masterdata.results import UpsertResult
from hub.core.model.base import utcnow
from hub.core.model.validation import validate_document
from hub.core.store import documents, keymap, merges, references
from hub.core.store.documents import DocumentWrite, NewVersion, StoredDocument

MERGE_SOURCE = "hub"


class MergeError(HubError):
    """Two records cannot be merged (different types, already merged, the same record)."""


def combine(survivor: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """The survivor's data, gaps filled from ``other`` and lists extended by its entries."""
    merged = dict(survivor)
    for name, value in other.items():
        mine = merged.get(name)
        if isinstance(mine, list) and isinstance(value, list):
            merged[name] = mine + [entry for entry in value if entry not in mine]
        elif is_empty(mine) and not is_empty(value):
            merged[name] = value
    return merged


def merge_in(
    conn: sa.Connection, survivor_id: str, other_id: str, listeners: list[ChangeListener]
) -> UpsertResult:
    """Merge ``other_id`` into ``survivor_id`` inside the caller's transaction."""
    if survivor_id == other_id:
        raise MergeError(f"cannot merge {survivor_id} into itself")
    stored = documents.get_many(conn, [survivor_id, other_id], for_update=True)
    for hub_id in (survivor_id, other_id):
        if hub_id not in stored:
            raise MergeError(f"no document with hub id {hub_id!r}")
        if stored[hub_id].merged_into:
            raise MergeError(f"{hub_id} was already merged into {stored[hub_id].merged_into}")
    survivor, other = stored[survivor_id], stored[other_id]
    if survivor.doc_type != other.doc_type:
        raise MergeError(f"cannot merge a {other.doc_type} into a {survivor.doc_type}")
    data = combine(survivor.data, other.data)
    validate_document(survivor.doc_type, data, f"{survivor.doc_type} {survivor_id}")
    sources = {**{k: v for k, v in other.field_sources.items() if is_empty(survivor.data.get(k))},
               **survivor.field_sources}
    changes: dict[str, Any] = {
        k: {"old": survivor.data.get(k), "new": v} for k, v in data.items() if survivor.data.get(k) != v
    }
    changes["merged_from"] = other_id
    now = utcnow()
    version = survivor.version + 1
    documents.write(
        conn,
        [DocumentWrite(survivor_id, survivor.doc_type, survivor.version, version, data, sources, now),
         DocumentWrite(other_id, other.doc_type, other.version, other.version + 1, other.data,
                       other.field_sources, now)],
        [NewVersion(survivor_id, survivor.doc_type, version, data, changes, MERGE_SOURCE, now),
         NewVersion(other_id, other.doc_type, other.version + 1, other.data,
                    {"merged_into": survivor_id}, MERGE_SOURCE, now)],
    )
    moved = keymap.links_of(conn, other_id)
    documents.mark_merged(conn, other_id, survivor_id, now)
    keymap.repoint(conn, other_id, survivor_id)
    if survivor.doc_type == "partner":
        matchkeys.replace(conn, {other_id: set(), survivor_id: PartnerProfile.of(data).keys()})
    change = DocumentChange(survivor_id, survivor.doc_type, version, MERGE_SOURCE, changes, data,
                            keymap.external_ids_of(conn, [survivor_id])[survivor_id])
    for listener in listeners:
        listener(conn, [change])
    rewritten = repoint_references(conn, other_id, survivor_id, listeners, skip={survivor_id})
    merges.record(conn, {
        "survivor_hub_id": survivor_id, "other_hub_id": other_id, "merged_at": now, "survivor_version": version,
        "survivor_before": {"data": survivor.data, "field_sources": survivor.field_sources},
        "moved_keys": [list(key) for key in moved], "rewritten": rewritten,
    })
    return UpsertResult(survivor_id, survivor.doc_type, version, False, True, changes)


def repoint_references(conn: sa.Connection, old: str, new: str, listeners: list[ChangeListener],
                       skip: set[str]) -> list[dict[str, Any]]:
    """Give every document that names partner ``old`` (but those in ``skip``) a new
    version naming ``new``, through the listeners; what was rewritten, and where."""
    referring = [hub_id for hub_id in references.referring(conn, old) if hub_id not in skip]
    stored = documents.get_many(conn, referring, for_update=True)
    rewritten = []
    for hub_id in sorted(stored):
        doc = stored[hub_id]
        data, locations = references.rewrite(doc.data, old, new)
        if locations:
            write_version(conn, doc, data, listeners)
            rewritten.append({"hub_id": hub_id, "version": doc.version + 1, "locations": locations})
    return rewritten


def write_version(conn: sa.Connection, doc: StoredDocument, data: dict[str, Any],
                  listeners: list[ChangeListener], *, changes: dict[str, Any] | None = None,
                  field_sources: dict[str, str] | None = None) -> DocumentChange:
    """Write ``data`` as the next version of ``doc``, made by the hub, and tell the listeners.

    ``changes`` defaults to the top-level fields whose value differs; ``field_sources``
    to the document's own.
    """
    now = utcnow()
    version = doc.version + 1
    if changes is None:
        changes = {k: {"old": doc.data.get(k), "new": data.get(k)} for k in {*doc.data, *data}
                   if doc.data.get(k) != data.get(k)}
    sources = doc.field_sources if field_sources is None else field_sources
    documents.write(conn, [DocumentWrite(doc.hub_id, doc.doc_type, doc.version, version, data, sources, now)],
                    [NewVersion(doc.hub_id, doc.doc_type, version, data, changes, MERGE_SOURCE, now)])
    change = DocumentChange(doc.hub_id, doc.doc_type, version, MERGE_SOURCE, changes, data,
                            keymap.external_ids_of(conn, [doc.hub_id])[doc.hub_id])
    for listener in listeners:
        listener(conn, [change])
    return change

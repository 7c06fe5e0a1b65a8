"""Merging two golden records that turned out to be one (typically duplicate partners).

The survivor keeps its values, fills its empty fields from the other record and gains
the other's list entries (addresses, e-mails, roles...); every external id of the
other record is re-pointed to the survivor, so both systems' ids now find it. The
other record is not deleted: it stays readable with its full history and points to
the survivor (``merged_into``).
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
from hub.core.store import documents, keymap
from hub.core.store.documents import DocumentWrite, NewVersion

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
    documents.mark_merged(conn, other_id, survivor_id, now)
    keymap.repoint(conn, other_id, survivor_id)
    if survivor.doc_type == "partner":
        matchkeys.replace(conn, {other_id: set(), survivor_id: PartnerProfile.of(data).keys()})
    change = DocumentChange(survivor_id, survivor.doc_type, version, MERGE_SOURCE, changes, data,
                            keymap.external_ids_of(conn, [survivor_id])[survivor_id])
    for listener in listeners:
        listener(conn, change)
    return UpsertResult(survivor_id, survivor.doc_type, version, False, True, changes)

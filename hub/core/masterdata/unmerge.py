"""Undoing a merge (``hub partner unmerge``) within the retention period.

A merge is undone from its record (``hub.core.store.merges``), not guessed from
today's data, and only as far as nothing changed since, because a newer change wins
over the undo:

- the other record is active again (a new version, no longer ``merged_into``);
- the external ids the merge moved find it again, unless linked elsewhere since;
- each survivor field the merge filled or extended gets its value from before the
  merge back, if it still holds what the merge put there;
- each reference the merge rewrote names the other record again, if it still names
  the survivor.

Every document that changes gets a new version through the listeners (the outbox), so
the target systems hear of the undo as they heard of the merge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from hub.core.events import ChangeListener
from hub.core.masterdata import matchkeys
from hub.core.masterdata.duplicates import PartnerProfile
from hub.core.masterdata.merge import MergeError, write_version
from hub.core.model.base import utcnow
from hub.core.store import documents, keymap, merges, references


@dataclass
class UnmergeResult:
    """What an unmerge restored, and what it left because it changed since the merge."""

    survivor_hub_id: str
    other_hub_id: str
    merged_at: datetime
    keys_moved_back: list[str] = field(default_factory=list)
    fields_restored: list[str] = field(default_factory=list)
    fields_kept: list[str] = field(default_factory=list)
    documents_restored: list[str] = field(default_factory=list)
    documents_kept: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**self.__dict__, "merged_at": self.merged_at.isoformat()}


def unmerge_in(conn: sa.Connection, other_id: str, retention: timedelta,
               listeners: list[ChangeListener], now: datetime | None = None) -> UnmergeResult:
    """Undo the newest merge of ``other_id`` inside the caller's transaction.

    MergeError when ``other_id`` is not merged, or was merged longer ago than
    ``retention`` (the setting ``unmerge_days``).
    """
    now = now or utcnow()
    record = merges.latest_of(conn, other_id, for_update=True)
    if record is None:
        raise MergeError(f"{other_id} is not merged into another record (or its merge was already undone)")
    if now - record.merged_at > retention:
        raise MergeError(
            f"{other_id} was merged into {record.survivor_hub_id} at {record.merged_at.isoformat()}, longer ago than"
            f" the retention period of {retention.total_seconds() / 86400:g} day(s) (setting unmerge_days)")
    survivor_id = record.survivor_hub_id
    stored = documents.get_many(conn, [survivor_id, other_id], for_update=True)
    other, survivor = stored[other_id], stored[survivor_id]
    result = UnmergeResult(survivor_id, other_id, record.merged_at)
    moved = [keymap.ExternalKey(*key) for key in record.moved_keys]
    result.keys_moved_back = [f"{k.system}:{k.external_id}" for k in
                              keymap.move_back(conn, moved, survivor_id, other_id)]
    # The other record first: the survivor's and the documents' new versions may name it.
    documents.mark_merged(conn, other_id, None, now)
    write_version(conn, other, other.data, listeners, changes={"merged_into": {"old": survivor_id, "new": None}})
    data = _survivor_data(conn, record, survivor.data, result)
    if data != survivor.data:
        sources = dict(survivor.field_sources)
        before_sources = record.survivor_before["field_sources"]
        for name in result.fields_restored:
            if name in before_sources:
                sources[name] = before_sources[name]
            else:
                sources.pop(name, None)
        write_version(conn, survivor, data, listeners, field_sources=sources)
    for entry in record.rewritten:
        _restore_references(conn, entry, survivor_id, other_id, listeners, result)
    if other.doc_type == "partner":
        matchkeys.replace(conn, {other_id: PartnerProfile.of(other.data).keys(),
                                 survivor_id: PartnerProfile.of(data).keys()})
    merges.mark_undone(conn, record.id, now)
    return result


def _survivor_data(conn: sa.Connection, record: merges.MergeRecord, current: dict[str, Any],
                   result: UnmergeResult) -> dict[str, Any]:
    """The survivor's data with each field the merge changed set back, where unchanged since."""
    before = record.survivor_before["data"]
    merged = documents.version_data(conn, record.survivor_hub_id, record.survivor_version)
    data = dict(current)
    for name in sorted(set(before) | set(merged)):
        if before.get(name) == merged.get(name):
            continue
        if current.get(name) == merged.get(name):
            if name in before:
                data[name] = before[name]
            else:
                data.pop(name, None)
            result.fields_restored.append(name)
        else:
            result.fields_kept.append(name)
    return data


def _restore_references(conn: sa.Connection, entry: dict[str, Any], survivor_id: str, other_id: str,
                        listeners: list[ChangeListener], result: UnmergeResult) -> None:
    hub_id = entry["hub_id"]
    doc = documents.get_many(conn, [hub_id], for_update=True).get(hub_id)
    if doc is None:
        result.documents_kept.append(hub_id)
        return
    data, restored = references.put_back(doc.data, entry["locations"], survivor_id, other_id)
    if restored:
        write_version(conn, doc, data, listeners)
        result.documents_restored.append(hub_id)
    if len(restored) < len(entry["locations"]):
        result.documents_kept.append(hub_id)


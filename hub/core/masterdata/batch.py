"""One upsert batch: read everything the batch touches up front, decide in memory,
write everything back in bulk.

Bulk reads and writes are what make 100,000 partners a minute feasible on SQLite;
deciding in memory lets two changes to the same object within one batch see each
other (an IDoc file often carries a customer twice).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hub.core.errors import StaleUpdateError
from hub.core.events import DocumentChange
from hub.core.masterdata import matchkeys
from hub.core.masterdata.duplicates import MatchKey, PartnerProfile, rank_candidates
from hub.core.masterdata.golden import apply_source
from hub.core.masterdata.results import Incoming, UpsertResult
from hub.core.matching.blocking import EXACT_KINDS, MAX_FUZZY_HOLDERS
from hub.core.model.base import Document, new_hub_id, utcnow
from hub.core.model.validation import validate_document
from hub.core.store import documents, keymap, source_times
from hub.core.store.documents import DocumentWrite, NewVersion
from hub.core.store.keymap import ExternalKey, KeyConflictError

if TYPE_CHECKING:
    from hub.core.masterdata.service import MasterDataService

PARTNER = "partner"


@dataclass(slots=True)
class _Current:
    """A document's state while the batch runs."""

    doc_type: str
    based_on: int
    version: int
    data: dict[str, Any]
    sources: dict[str, str]
    merged_into: str | None = None
    keys: frozenset[MatchKey] | None = None
    keys_changed: bool = False


@dataclass
class _Pending:
    links: list[tuple[ExternalKey, str]] = field(default_factory=list)
    versions: list[NewVersion] = field(default_factory=list)
    changes: list[DocumentChange] = field(default_factory=list)


def _provided(document: Document, data: dict[str, Any]) -> dict[str, Any]:
    """The top-level fields the sender actually set, with their full values.

    Fields left at their defaults were not sent, so they must not blank what another
    source provided; nested values are taken whole, defaults included.
    """
    return {name: data[name] for name in document.model_fields_set if name in data}


class UpsertBatch:
    """Runs one batch of upserts inside an open transaction."""

    def __init__(self, service: MasterDataService, conn: sa.Connection,
                 hashes: matchkeys.KeyHashes | None = None) -> None:
        self._service = service
        self._conn = conn
        self._now = utcnow()
        self._links: dict[ExternalKey, str] = {}
        self._current: dict[str, _Current] = {}
        self._profiles: dict[str, PartnerProfile] = {}
        # Tuples, not sets: a batch holds thousands of these, and tuples of strings are
        # soon dropped from the garbage collector's watch, so they do not trigger its
        # full sweeps.
        self._holders: dict[MatchKey, tuple[str, ...]] = {}
        self._hashes = matchkeys.KeyHashes() if hashes is None else hashes
        self._pending = _Pending()
        self._times: dict[tuple[str, str], datetime] = {}
        self._times_applied: dict[tuple[str, str], datetime] = {}
        self._population: int | None = None
        self._new_partners = 0

    def run(self, items: Sequence[Incoming]) -> list[UpsertResult]:
        """Apply every item in order, then write; returns one result per item."""
        keys = [self._keys_of(item) for item in items]
        data = [item.prepared.data if item.prepared else item.document.business_data() for item in items]
        profiles = [
            (i.prepared.profile if i.prepared else PartnerProfile.of(d))
            if self._service.duplicate_check and i.document.doc_type == PARTNER else None
            for i, d in zip(items, data, strict=True)
        ]
        self._prefetch(items, keys, profiles)
        results = [self._apply(*args) for args in zip(items, keys, data, profiles, strict=True)]
        self._write()
        return results

    # -- reading ---------------------------------------------------------------

    def _prefetch(self, items: Sequence[Incoming], keys: list[list[ExternalKey]],
                  profiles: list[PartnerProfile | None]) -> None:
        wanted: dict[tuple[str, str], list[str]] = defaultdict(list)
        for item_keys in keys:
            for key in item_keys:
                wanted[(key.system, key.object_type)].append(key.external_id)
        for (system, object_type), ids in wanted.items():
            for external_id, hub_id in keymap.lookup_many(self._conn, system, object_type, ids).items():
                self._links[ExternalKey(system, object_type, external_id)] = hub_id
        hub_ids = set(self._links.values()) | {i.document.hub_id for i in items if i.document.hub_id}
        self._load(hub_ids)
        # Only documents whose source stamps its versions have times to compare.
        stamped = {(hub_id, item.source_system) for item, item_keys in zip(items, keys, strict=True)
                   if item.source_time is not None
                   for hub_id in {self._links.get(k) for k in item_keys} | {item.document.hub_id} if hub_id}
        if stamped:
            self._times.update(source_times.newest(self._conn, stamped))
        # Only partners new to the store are checked before they change anything; a known
        # partner's candidates are fetched if and when a change to it is checked.
        if self._service.score_duplicates:
            self._fetch_holders(
                k for item, item_keys, profile in zip(items, keys, profiles, strict=True)
                if profile is not None and not self._is_known(item, item_keys) for k in profile.keys()
            )

    def _load(self, hub_ids: set[str]) -> None:
        missing = {h for h in hub_ids if h not in self._current}
        # Locks the rows on PostgreSQL so a concurrent batch waits instead of going stale.
        stored = documents.get_many(self._conn, missing, for_update=True)
        survivors = {d.merged_into for d in stored.values() if d.merged_into}
        for hub_id, doc in stored.items():
            state = _Current(doc.doc_type, doc.version, doc.version, doc.data, doc.field_sources,
                             doc.merged_into)
            self._current[hub_id] = state
        if survivors - self._current.keys():
            self._load(survivors)

    def _fetch_holders(self, keys: Any) -> None:
        missing = {k for k in keys if k not in self._holders}
        if not missing:
            return
        found = matchkeys.holders(self._conn, missing, self._hashes)
        for key in missing:
            self._holders[key] = tuple(found.get(key, ()))
        others = {h for k in missing for h in self._holders[k]} - self._profiles.keys()
        self._profiles.update(matchkeys.profiles(self._conn, others))

    def _is_known(self, item: Incoming, keys: list[ExternalKey]) -> bool:
        if item.document.hub_id in self._current:
            return True
        return any(key in self._links for key in keys)

    @staticmethod
    def _keys_of(item: Incoming) -> list[ExternalKey]:
        doc_type = item.document.doc_type
        keys = [ExternalKey(ref.system, doc_type, ref.id) for ref in item.document.external_ids]
        if item.external_id is not None:
            keys.append(ExternalKey(item.source_system, doc_type, item.external_id))
        return keys

    # -- deciding --------------------------------------------------------------

    def _resolve(self, item: Incoming, keys: list[ExternalKey]) -> str | None:
        linked = {self._links[k] for k in keys if k in self._links}
        # A hub id the store does not know (e.g. echoed back by a peer) names nothing here.
        if item.document.hub_id and item.document.hub_id in self._current:
            linked.add(item.document.hub_id)
        if len(linked) > 1:
            raise KeyConflictError(
                f"{item.document.doc_type} from {item.source_system}: ids "
                f"{', '.join(k.external_id for k in keys)} point to different records "
                f"{', '.join(sorted(linked))}; merge them first"
            )
        hub_id = linked.pop() if linked else None
        while hub_id is not None and hub_id in self._current and self._current[hub_id].merged_into:
            hub_id = self._current[hub_id].merged_into
        return hub_id

    def _apply(self, item: Incoming, keys: list[ExternalKey], data: dict[str, Any],
               profile: PartnerProfile | None) -> UpsertResult:
        document = item.document
        hub_id = self._resolve(item, keys)
        if hub_id is not None and hub_id not in self._current:
            self._load({hub_id})
        current = self._current.get(hub_id) if hub_id else None
        if item.expected_version is not None:
            actual = current.version if current else 0
            if actual != item.expected_version:
                raise StaleUpdateError(hub_id or "(new document)", item.expected_version, actual)
        if current is not None and item.source_time is not None and hub_id is not None:
            applied = self._times.get((hub_id, item.source_system))
            if applied is not None and item.source_time <= applied:
                self._link_keys(keys, hub_id)
                return UpsertResult(hub_id, current.doc_type, current.version, False, False, stale=True)
        if current is None:
            hub_id, changes = self._create(document, data, item.source_system)
            created = True
        else:
            assert hub_id is not None
            changes = self._update(hub_id, current, document, data, item.source_system)
            created = False
        self._link_keys(keys, hub_id)
        if item.source_time is not None:
            self._times[(hub_id, item.source_system)] = self._times_applied[(hub_id, item.source_system)] = \
                item.source_time
        state = self._current[hub_id]
        changed = bool(changes)
        duplicates: tuple = ()
        if changed and state.doc_type == PARTNER and self._service.duplicate_check:
            if profile is None or state.data is not data:  # the golden record differs from the input
                profile = PartnerProfile.of(state.data)
            duplicates = tuple(self._check_duplicates(hub_id, state, profile))
        return UpsertResult(hub_id, state.doc_type, state.version, created, changed, changes, duplicates)

    def _link_keys(self, keys: list[ExternalKey], hub_id: str) -> None:
        for key in keys:
            if key not in self._links:
                self._links[key] = hub_id
                self._pending.links.append((key, hub_id))

    def _create(self, document: Document, data: dict[str, Any], system: str) -> tuple[str, Mapping[str, Any]]:
        hub_id = new_hub_id(document.id_prefix)
        self._new_partners += document.doc_type == PARTNER
        sources = {name: system for name in document.model_fields_set if name in data}
        self._current[hub_id] = _Current(document.doc_type, 0, 1, data, sources)
        changes = documents.CreatedChanges(data)
        self._record(hub_id, self._current[hub_id], changes, system, created=True)
        return hub_id, changes

    def _update(self, hub_id: str, current: _Current, document: Document, data: dict[str, Any],
                system: str) -> dict[str, Any]:
        provided = _provided(document, data)
        golden = apply_source(current.data, current.sources, provided, system,
                              self._service.policy(current.doc_type))
        if not golden.changes:
            return {}
        if current.doc_type == PARTNER and self._service.duplicate_check and current.keys is None:
            current.keys = PartnerProfile.of(current.data).keys()  # the stored keys, before the change
        # The merged record must still be valid (e.g. a person keeps a last name).
        validate_document(current.doc_type, golden.data, f"{current.doc_type} {hub_id}")
        current.data, current.sources = golden.data, golden.field_sources
        current.version += 1
        self._record(hub_id, current, golden.changes, system, created=False)
        return golden.changes

    def _record(self, hub_id: str, state: _Current, changes: Mapping[str, Any], system: str,
                created: bool) -> None:
        # A create's row stores its data only: the changes are that data again.
        self._pending.versions.append(
            NewVersion(hub_id, state.doc_type, state.version, state.data, None if created else changes,
                       system, self._now)
        )
        if self._service.listeners:
            self._pending.changes.append(
                DocumentChange(hub_id, state.doc_type, state.version, system, changes, state.data,
                               created=created)
            )

    def _check_duplicates(self, hub_id: str, state: _Current, profile: PartnerProfile) -> list:
        keys = profile.keys()
        if not self._service.score_duplicates:  # the caller matched the batch: only the keys are kept
            if keys != state.keys:
                state.keys, state.keys_changed = keys, True
            return []
        holders = self._holders
        if not holders.keys() >= keys:  # a new partner's keys were fetched with the batch
            self._fetch_holders(keys)
        # A fuzzy key this batch gave more holders than a stored key may have tells as
        # little as a stored one (``matchkeys.holders``): without the limit, a batch of
        # partners alike but for a number (a till's provisional members, named after
        # their cards) compared each with every other.
        others = {h for k in keys if k[0] in EXACT_KINDS or len(holders[k]) <= MAX_FUZZY_HOLDERS
                  for h in holders[k]}
        others.discard(hub_id)
        if others and self._population is None:  # the stored ones, when first needed
            self._population = self._service.stored_partners(self._conn)
        # The partners this one is among: the stored and this batch's new ones, but itself.
        population = (self._population or 0) + self._new_partners - (state.based_on == 0)
        candidates = rank_candidates(
            profile, ((h, self._profiles[h]) for h in others if h in self._profiles),
            self._service.duplicate_threshold, population,
        ) if others else []
        if keys != state.keys:
            for key in (state.keys or frozenset()) - keys:
                if key in holders:  # a key never looked up must stay unfetched
                    holders[key] = tuple(h for h in holders[key] if h != hub_id)
            for key in keys:
                held = holders.get(key, ())
                if hub_id not in held:
                    holders[key] = (*held, hub_id)
            state.keys, state.keys_changed = keys, True
        self._profiles[hub_id] = profile
        return candidates

    # -- writing ---------------------------------------------------------------

    def _write(self) -> None:
        touched = {v.hub_id for v in self._pending.versions}
        writes = [
            DocumentWrite(h, s.doc_type, s.based_on, s.version, s.data, s.sources, self._now)
            for h, s in self._current.items() if h in touched
        ]
        documents.write(self._conn, writes, self._pending.versions)
        self._service.partners_added(self._new_partners)
        keymap.link_new(self._conn, self._pending.links)
        source_times.record(self._conn, self._times_applied)
        rekeyed = {h: s for h, s in self._current.items() if s.keys_changed}
        # keys_changed is set together with keys: "or frozenset()" only tells the type checker.
        new_keys = {h: s.keys or frozenset() for h, s in rekeyed.items() if s.based_on == 0}
        old_keys = {h: s.keys or frozenset() for h, s in rekeyed.items() if s.based_on != 0}
        matchkeys.replace(self._conn, new_keys, new=True, hashes=self._hashes)
        matchkeys.replace(self._conn, old_keys, hashes=self._hashes)
        if self._pending.changes:
            self._notify()

    def _notify(self) -> None:
        external = keymap.external_ids_of(self._conn, {c.hub_id for c in self._pending.changes})
        changes = [
            DocumentChange(change.hub_id, change.doc_type, change.version, change.source_system,
                           change.changes, change.data, external.get(change.hub_id, {}), change.created)
            for change in self._pending.changes
        ]
        for listener in self._service.listeners:
            listener(self._conn, changes)

"""The master-data service: upsert canonical documents from any source into golden records.

One call handles a batch in one transaction: resolve external ids through the key map,
apply each source's fields by priority, skip changes that change nothing, refuse stale
edits, write new versions with their history, link new external ids, run the duplicate
check for partners, and hand every real change to the listeners (the outbox) inside
the same transaction.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa

from hub.core.errors import HubError, NotFoundError
from hub.core.events import ChangeListener
from hub.core.gcpause import gc_paused
from hub.core.masterdata import matchkeys
from hub.core.masterdata.batch import UpsertBatch
from hub.core.masterdata.duplicates import PartnerProfile, score
from hub.core.masterdata.golden import SourcePolicy
from hub.core.masterdata.merge import merge_in
from hub.core.masterdata.results import DuplicatePair, Incoming, UpsertResult
from hub.core.masterdata.unmerge import UnmergeResult, unmerge_in
from hub.core.model import document_class
from hub.core.model.base import Document
from hub.core.settings import DEFAULT_UNMERGE_DAYS, HubSettings, SourcePriority
from hub.core.store import documents, keymap
from hub.core.store.races import lost_race

MAX_CONFLICT_RETRIES = 3
PARTNER_COUNT_SECONDS = 60.0
"""How long ``MasterDataService.stored_partners`` trusts its count."""


class MasterDataService:
    """Golden records of all canonical documents, kept in the store."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        source_priority: dict[str, SourcePriority] | None = None,
        listeners: Sequence[ChangeListener] = (),
        duplicate_check: bool = True,
        duplicate_threshold: float = 0.75,
        unmerge_days: float = DEFAULT_UNMERGE_DAYS,
    ) -> None:
        self.engine = engine
        self.unmerge_retention = timedelta(days=unmerge_days)
        self._policies = {k: SourcePolicy(v) for k, v in (source_priority or {}).items()}
        self.listeners = list(listeners)
        self.duplicate_check = duplicate_check
        self.duplicate_threshold = duplicate_threshold
        self._partners: tuple[float, int] | None = None
        self.score_duplicates = True
        """With ``duplicate_check`` on, whether upserts also look for and score a
        partner's candidates; off, they only keep its match keys (for a caller that has
        run the matcher on the batch already, as the list import does)."""

    @classmethod
    def from_settings(
        cls, engine: sa.Engine, settings: HubSettings, listeners: Sequence[ChangeListener] = ()
    ) -> MasterDataService:
        """The service as the installation configures it."""
        return cls(engine, source_priority=settings.source_priority, listeners=listeners,
                   duplicate_threshold=settings.duplicate_threshold, unmerge_days=settings.unmerge_days)

    def stored_partners(self, conn: sa.Connection) -> int:
        """About how many partners the store holds: the prior of the duplicate check's
        scores depends on it (see ``hub.core.matching.model``). Counted at most once a
        minute and kept up with this service's own creates in between: a count per batch
        would cost a bulk load a scan of the documents' index each time, and the score
        hardly moves with a few percent more or less."""
        now = time.monotonic()
        if self._partners is None or now - self._partners[0] > PARTNER_COUNT_SECONDS:
            self._partners = (now, matchkeys.partner_count(conn))
        return self._partners[1]

    def partners_added(self, count: int) -> None:
        """Partners this service just created (see ``stored_partners``)."""
        if self._partners is not None and count:
            self._partners = (self._partners[0], self._partners[1] + count)

    def policy(self, doc_type: str) -> SourcePolicy:
        """Field precedence for one document type."""
        return self._policies.get(doc_type) or SourcePolicy()

    def upsert(
        self, document: Document, source_system: str, external_id: str | None = None,
        expected_version: int | None = None,
    ) -> UpsertResult:
        """Upsert one document in its own transaction."""
        return self.upsert_many([Incoming(document, source_system, external_id, expected_version)])[0]

    def upsert_many(self, items: Sequence[Incoming]) -> list[UpsertResult]:
        """Upsert a batch in one transaction; all or nothing.

        When another process created the same external id at the same moment, the
        unique key map refuses one of them; that batch is simply run again, as it is
        when PostgreSQL aborts it to break a deadlock (``hub.core.store.races``).

        The garbage collector is paused meanwhile, as for an inbound chunk (see
        ``hub.core.gcpause``): a batch's tens of thousands of objects all live until it
        commits, and the collector's full passes over them and the rest of the process
        took a quarter of a bulk load's CPU time.
        """
        for attempt in range(MAX_CONFLICT_RETRIES):
            try:
                with gc_paused(), self.engine.begin() as conn:
                    return self.upsert_in(conn, items)
            except sa.exc.DBAPIError as exc:
                if attempt == MAX_CONFLICT_RETRIES - 1 or not lost_race(exc):
                    raise
        raise AssertionError("unreachable")

    def upsert_in(self, conn: sa.Connection, items: Sequence[Incoming],
                  hashes: matchkeys.KeyHashes | None = None) -> list[UpsertResult]:
        """Upsert a batch inside the caller's transaction (e.g. with its inbound archive
        row); ``hashes``: match-key hashes the caller made already (it looked the keys up)."""
        return UpsertBatch(self, conn, hashes).run(items)

    def upsert_each(self, conn: sa.Connection, items: Sequence[Incoming],
                    hashes: matchkeys.KeyHashes | None = None) -> list[UpsertResult | HubError]:
        """Upsert a batch inside the caller's transaction, isolating failures (``hashes``:
        see ``upsert_in``).

        The batch is tried whole in a savepoint (the fast path); if any document is
        refused, it is redone one document per savepoint, so each refused document
        comes back as its error while the others are written.
        """
        try:
            with conn.begin_nested():
                return list(self.upsert_in(conn, items, hashes))
        except HubError:
            pass
        results: list[UpsertResult | HubError] = []
        for item in items:
            try:
                with conn.begin_nested():
                    results.append(self.upsert_in(conn, [item], hashes)[0])
            except HubError as exc:
                results.append(exc)
        return results

    def get(self, hub_id: str) -> Document:
        """The golden record of ``hub_id`` with all its external ids."""
        with self.engine.connect() as conn:
            return load(conn, hub_id)

    def find(self, system: str, doc_type: str, external_id: str) -> Document:
        """The golden record an external id stands for."""
        with self.engine.connect() as conn:
            hub_id = keymap.lookup(conn, system, doc_type, external_id)
            if hub_id is None:
                raise NotFoundError(f"no {doc_type} with {system} id {external_id!r}")
            return load(conn, hub_id)

    def merge(self, survivor_id: str, other_id: str) -> UpsertResult:
        """Merge ``other_id`` into ``survivor_id`` (see ``merge.py``), in one transaction."""
        with self.engine.begin() as conn:
            return merge_in(conn, survivor_id, other_id, self.listeners)

    def unmerge(self, other_id: str) -> UnmergeResult:
        """Undo the newest merge of ``other_id`` (see ``unmerge.py``), in one transaction."""
        with self.engine.begin() as conn:
            return unmerge_in(conn, other_id, self.unmerge_retention, self.listeners)

    def duplicate_pairs(self, threshold: float | None = None) -> list[DuplicatePair]:
        """Every pair of stored partners scoring at or above ``threshold``, best first."""
        limit = self.duplicate_threshold if threshold is None else threshold
        with self.engine.connect() as conn:
            groups = matchkeys.shared_key_groups(conn)
            stored = documents.get_many(conn, {h for g in groups for h in g})
            population = matchkeys.partner_count(conn)
        profiles = {h: PartnerProfile.of(d.data) for h, d in stored.items() if d.merged_into is None}
        pairs: dict[tuple[str, str], DuplicatePair] = {}
        for group in groups:
            members = sorted(h for h in group if h in profiles)
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    if (a, b) not in pairs:
                        value, reasons = score(profiles[a], profiles[b], population)
                        if value >= limit:
                            pairs[(a, b)] = DuplicatePair(a, b, value, reasons)
        return sorted(pairs.values(), key=lambda p: (-p.score, p.hub_id, p.other_hub_id))


def load_many(conn: sa.Connection, hub_ids: Sequence[str]) -> dict[str, Document]:
    """Read the golden records of ``hub_ids`` (those that exist) in two queries, by hub id."""
    stored = documents.get_many(conn, hub_ids)
    ext = keymap.external_ids_of(conn, list(stored))
    return {hub_id: document_class(row.doc_type).model_validate(
        {**row.data, "hub_id": row.hub_id, "version": row.version,
         "external_ids": [{"system": s, "id": i} for s, ids in ext.get(hub_id, {}).items() for i in ids]})
        for hub_id, row in stored.items()}


def load(conn: sa.Connection, hub_id: str) -> Document:
    """Read one golden record as its canonical model class."""
    stored = documents.get(conn, hub_id)
    ext = keymap.external_ids_of(conn, [hub_id])[hub_id]
    model = document_class(stored.doc_type)
    return model.model_validate(
        {**stored.data, "hub_id": stored.hub_id, "version": stored.version,
         "external_ids": [{"system": s, "id": i} for s, ids in ext.items() for i in ids]}
    )


"""Importing a list file: batches of rows mapped, checked for duplicates, written once.

Each batch runs in one transaction: its rows are mapped, their keys checked (a key an
earlier row of the file gave fails the row), their duplicates found (within the list
and among the partners the hub holds), the partners created or linked through the
master-data service (so the golden record, the key map, the match keys, the history
and the outbox see them as they see any plugin's input), and the rows' outcomes
written with the list's cursor. A run killed at any moment leaves the batches before
it complete and nothing of the one it was in; the next run skips the rows the cursor
says are done, so no row is imported twice. Batches of lists imported at the same time
take turns (``serial``), so two lists with one person make one partner of them.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, cast

import sqlalchemy as sa

from hub.core.errors import HubError
from hub.core.gcpause import gc_paused
from hub.core.lists import state
from hub.core.lists.dedupe import Deduplicator
from hub.core.lists.errors import RowProblem
from hub.core.lists.linking import link_document
from hub.core.lists.listformat import MappedRow, RowMapper
from hub.core.lists.plan import Plan, Step, plan_batch
from hub.core.lists.review import stored_data
from hub.core.lists.rows import ListSource, SourceRow
from hub.core.lists.serial import claim_matching
from hub.core.lists.state import CREATED, FAILED, LINKED, REVIEW, Counts, FileIdentity, RowRecord
from hub.core.lists.tables import ListImportRow
from hub.core.masterdata import Incoming, MasterDataService, Prepared
from hub.core.masterdata.duplicates import PartnerProfile
from hub.core.masterdata.matchkeys import KeyHashes
from hub.core.store import documents, keymap
from hub.core.store.tables import KeyMapRow

MAX_MERGE_HOPS = 8
"""A partner merged into one that was merged on is followed this far (merges chain rarely)."""
KEY_LENGTH: int = cast(sa.String, KeyMapRow.__table__.c.external_id.type).length or 120
"""The longest key: it becomes an external id in the key map."""


@dataclass
class ImportResult:
    """Where a list stands after a run: its counts (all runs), this run's seconds."""

    list: str
    file: str
    status: str
    rows: int
    created: int
    linked: int
    review: int
    failed: int
    seconds: float
    resumed_from: int

    def as_dict(self) -> dict[str, Any]:
        """The summary ``--json`` prints."""
        return asdict(self)


Progress = Callable[[int, int], None]
"""(position in the file, rows done) after each batch."""


class ListImporter:
    """Imports one list file with one format through the master-data service."""

    def __init__(self, masterdata: MasterDataService, mapper: RowMapper, dedupe: Deduplicator,
                 batch: int) -> None:
        self.masterdata = masterdata
        # The batch is matched here, by the matcher: the upserts only keep match keys.
        masterdata.score_duplicates = False
        self.engine = masterdata.engine
        self.mapper = mapper
        self.system = mapper.table.system
        self.dedupe = dedupe
        self.batch = batch

    def run(self, source: ListSource, identity: FileIdentity, on_progress: Progress | None = None) -> ImportResult:
        """Import ``source`` (read from ``identity``'s file) as the mapper's list."""
        started = time.monotonic()
        name = self.mapper.list_name
        fmt = self.mapper.table.inbound_types[0]
        with self.engine.begin() as conn:
            current = state.begin(conn, name, fmt, self.system, identity)
        resumed_from = current.cursor
        if current.status == state.RUNNING:
            rows = source.rows()
            for _ in itertools.islice(rows, current.cursor):
                pass
            last = time.monotonic()
            while self._next_batch(rows, current, last):
                last = time.monotonic()
                if on_progress is not None:
                    on_progress(source.position(), current.cursor)
            with self.engine.begin() as conn:
                state.finish(conn, name, time.monotonic() - last)
        with self.engine.connect() as conn:
            done = state.get(conn, name)
        return ImportResult(name, done.file, done.status, done.created + done.linked + done.review + done.failed,
                            done.created, done.linked, done.review, done.failed,
                            round(time.monotonic() - started, 3), resumed_from)

    def _next_batch(self, rows: Iterator[SourceRow], current: ListImportRow, since: float) -> bool:
        """Import the next batch; False when the file is done.

        The collector is paused meanwhile (``hub.core.gcpause``): a batch's rows, models
        and statements all die when it commits.
        """
        with gc_paused():
            batch = list(itertools.islice(rows, self.batch))
            if not batch:
                return False
            mapped = [self.mapper.map(row) for row in batch]
            with self.engine.begin() as conn:
                claim_matching(conn)
                records, counts = self._write(conn, mapped)
                state.record_batch(conn, current, records, len(batch), batch[-1].number, counts,
                                   time.monotonic() - since)
            current.cursor += len(batch)
            self.dedupe.created(counts.created)
            return True

    def _write(self, conn: sa.Connection, mapped: list[MappedRow]) -> tuple[list[RowRecord], Counts]:
        """Create, link or hold each row of the batch; the rows' records and counts."""
        self._check_keys(conn, mapped)
        good = [m for m in mapped if not m.failed]
        keys = [m.key or "" for m in good]
        known = keymap.lookup_many(conn, self.system, "partner", keys)
        to_match = [m for m in good if m.key not in known]
        # Each row's data, match record and keys are made once: for matching, then for the upsert.
        prepared = {id(m): _prepare(m) for m in to_match}
        hashes = KeyHashes()
        matches = iter(self.dedupe.matches(conn, [prepared[id(m)].profile for m in to_match], hashes))
        positions = {id(m): i for i, m in enumerate(to_match)}
        plans = plan_batch([known.get(m.key or "") for m in good],
                           [None if m.key in known else next(matches) for m in good])
        # Row indexes of plans name rows of ``to_match``; turn them into ``good``'s.
        index_of = {positions[id(m)]: i for i, m in enumerate(good) if id(m) in positions}
        for plan in plans:
            if plan.after is not None:
                plan.after = index_of[plan.after]
        hub_ids: dict[int, str] = {}
        errors: dict[int, str] = {}
        first = [i for i, p in enumerate(plans) if p.step is not Step.review and p.after is None]
        self._upsert(conn, good, plans, first, hub_ids, errors, prepared, hashes)
        for plan in plans:
            if plan.after is not None:
                target = hub_ids.get(plan.after)
                # The row it follows failed to be written: this one is a partner of its own.
                plan.step, plan.hub_id = (plan.step, target) if target else (Step.create, None)
        second = [i for i, p in enumerate(plans) if p.after is not None and p.step is not Step.review]
        self._upsert(conn, good, plans, second, hub_ids, errors, prepared, hashes)
        return self._records(mapped, good, plans, hub_ids, errors)

    def _check_keys(self, conn: sa.Connection, mapped: list[MappedRow]) -> None:
        """Fail rows whose key is too long, or was given by an earlier row of the file."""
        column = self.mapper.table.row_key
        keyed = [m for m in mapped if m.key]
        earlier = state.earlier_keys(conn, self.mapper.list_name, [m.key for m in keyed if m.key])
        for m in keyed:
            assert m.key is not None
            first = earlier.get(m.key)
            if first is not None:
                self._fail(m, RowProblem(column, f"key {m.key!r} was already given in row {first}"))
            elif len(m.key) > KEY_LENGTH:
                self._fail(m, RowProblem(column, f"the key is longer than {KEY_LENGTH} characters"))
            if first is None:
                earlier[m.key] = m.number

    @staticmethod
    def _fail(row: MappedRow, problem: RowProblem) -> None:
        row.partner = None
        row.problems.append(problem)

    def _upsert(self, conn: sa.Connection, good: list[MappedRow], plans: list[Plan], which: list[int],
                hub_ids: dict[int, str], errors: dict[int, str], prepared: dict[int, Prepared],
                hashes: KeyHashes) -> None:
        """Create or link the rows ``which`` in one master-data batch; a row refused
        (say, its link would break the golden record) fails alone. A created row takes
        its ``prepared`` data and profile along (a linked one sends another document)."""
        if not which:
            return
        targets = _current_data(conn, {hub_id for i in which if (hub_id := plans[i].hub_id)})
        items = []
        for i in which:
            partner, plan = good[i].partner, plans[i]
            assert partner is not None
            if plan.step is Step.create:
                items.append(Incoming(partner, self.system, good[i].key, prepared=prepared.get(id(good[i]))))
            else:
                document = link_document(partner, targets.get(plan.hub_id or ""), plan.hub_id or "",
                                         self.mapper.list_name)
                items.append(Incoming(document, self.system, good[i].key))
        for i, result in zip(which, self.masterdata.upsert_each(conn, items, hashes), strict=True):
            if isinstance(result, HubError):
                errors[i] = str(result)
            else:
                hub_ids[i] = result.hub_id

    def _records(self, mapped: list[MappedRow], good: list[MappedRow], plans: list[Plan],
                 hub_ids: dict[int, str], errors: dict[int, str]) -> tuple[list[RowRecord], Counts]:
        at = {id(m): i for i, m in enumerate(good)}
        records: list[RowRecord] = []
        counts = Counts()
        for m in mapped:
            problems = [p.as_list() for p in m.problems]
            i = at.get(id(m))
            if i is None or i in errors:
                if i is not None:
                    problems.append(RowProblem(None, errors[i]).as_list())
                records.append(RowRecord(m.number, m.key, FAILED, problems=problems))
                counts.add(FAILED)
                continue
            plan = plans[i]
            partner = m.partner
            assert partner is not None
            if plan.step is Step.review:
                record = RowRecord(m.number, m.key, REVIEW, None, plan.hub_id, plan.score, problems or None,
                                   stored_data(partner))
            elif plan.step is Step.create:
                record = RowRecord(m.number, m.key, CREATED, hub_ids[i], None, None, problems or None)
            else:
                record = RowRecord(m.number, m.key, LINKED, hub_ids[i], plan.hub_id, plan.score, problems or None)
            records.append(record)
            counts.add(record.outcome)
        return records, counts


def _prepare(row: MappedRow) -> Prepared:
    """A good row's business data and match profile, its keys made."""
    assert row.partner is not None
    data = row.partner.business_data()
    profile = PartnerProfile.of(data)
    profile.keys()
    return Prepared(data, profile)


def _current_data(conn: sa.Connection, hub_ids: set[str]) -> dict[str, dict[str, Any]]:
    """hub id -> the golden record's data, following merges to the survivor."""
    found: dict[str, dict[str, Any]] = {}
    wanted = {h: h for h in hub_ids}
    for _ in range(MAX_MERGE_HOPS):
        if not wanted:
            break
        stored = documents.get_many(conn, set(wanted.values()))
        survivors: dict[str, str] = {}
        for asked, hub_id in wanted.items():
            doc = stored.get(hub_id)
            if doc is None:
                continue
            if doc.merged_into:
                survivors[asked] = doc.merged_into
            else:
                found[asked] = doc.data
        wanted = survivors
    return found


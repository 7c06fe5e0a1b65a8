"""Initial loads: millions of records from one source into master data, resumably.

The loader's raw documents are consumed lazily, mapped and upserted in chunks; the
number of documents taken in is committed in the same transaction as each chunk, so
a load killed at any moment resumes exactly where its last chunk ended (the documents
before that point are parsed again but skipped). A record that cannot be mapped or
stored does not stop the load: it is counted, kept in the inbound archive with its
error for the administrator, and the load goes on.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from hub.core.errors import HubError
from hub.core.gcpause import gc_paused
from hub.core.ingest_chunk import ChunkLookup, dedupe_key
from hub.core.mapping import MappingSet
from hub.core.masterdata import Incoming, MasterDataService
from hub.core.model.base import utcnow
from hub.core.raw import RawDocument
from hub.core.store import archive
from hub.core.store.tables import LoadRunRow

load_runs = LoadRunRow.__table__
DEFAULT_CHUNK = 1000
ERRORS_KEPT = 20
RUNNING, COMPLETED = "running", "completed"


@dataclass
class LoadResult:
    """How a load ended: counts, whether it resumed, and the first errors."""

    key: str
    status: str
    done: int
    failed: int
    resumed_from: int
    created: int = 0
    changed: int = 0
    errors: list[str] = field(default_factory=list)


class InitialLoad:
    """One load of one object type from one system."""

    def __init__(self, engine: sa.Engine, system: str, object_name: str, mappings: MappingSet,
                 masterdata: MasterDataService, chunk: int = DEFAULT_CHUNK) -> None:
        self.engine = engine
        self.system = system
        self.object_name = object_name
        self.mappings = mappings
        self.masterdata = masterdata
        self.chunk = chunk

    def run(self, documents: Iterable[RawDocument], source: str, key: str,
            on_progress: Callable[[int], None] | None = None, restart: bool = False) -> LoadResult:
        """Load ``documents``; ``key`` identifies the source so a rerun resumes it."""
        start = self._begin(key, source, restart)
        result = LoadResult(key, RUNNING, start.done, start.failed, start.done)
        if start.status == COMPLETED:
            result.status = COMPLETED
            return result
        stream = iter(documents)
        for _ in itertools.islice(stream, start.done):
            pass
        if on_progress:
            on_progress(start.done)
        while self._load_next(stream, result):
            if on_progress:
                on_progress(result.done)
        with self.engine.begin() as conn:
            conn.execute(load_runs.update().where(load_runs.c.key == key)
                         .values(status=COMPLETED, updated_at=utcnow()))
        result.status = COMPLETED
        return result

    def _begin(self, key: str, source: str, restart: bool) -> LoadRunRow:
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(load_runs).where(load_runs.c.key == key)).first()
            if row is not None and not restart:
                return LoadRunRow.model_validate(row._mapping)
            conn.execute(load_runs.delete().where(load_runs.c.key == key))
            fresh = LoadRunRow(key=key, system=self.system, object_name=self.object_name, source=source,
                               done=0, failed=0, status=RUNNING, started_at=now, updated_at=now)
            conn.execute(load_runs.insert().values(**fresh.model_dump()))
            return fresh

    def _load_next(self, stream: Iterator[RawDocument], result: LoadResult) -> bool:
        """Read and load the next chunk; False when the stream is done.

        The GC is paused meanwhile (see ``hub.core.gcpause``): the chunk's parsed records,
        models and rows all die when it commits, here, before the collector runs again.
        """
        with gc_paused():
            # Read in the argument, so no name holds the chunk once it is loaded.
            return self._load_chunk(list(itertools.islice(stream, self.chunk)), result)

    def _load_chunk(self, chunk: list[RawDocument], result: LoadResult) -> bool:
        if not chunk:
            return False
        with self.engine.begin() as conn:
            lookup = ChunkLookup(conn)
            lookup.prefetch(key for raw in chunk for key in self.mappings.lookup_keys(raw))
            mapped: list[tuple[RawDocument, Incoming]] = []
            # Reasons as text: an exception kept here would hold this frame, and with it
            # the whole chunk, in a reference cycle that only the collector can free.
            failures: list[tuple[RawDocument, str]] = []
            for raw in chunk:
                try:
                    document = self.mappings.map_inbound(raw, lookup, report_unmapped=False).document
                    mapped.append((raw, Incoming(document, self.system)))
                except HubError as exc:
                    failures.append((raw, str(exc)))
            outcomes = self.masterdata.upsert_each(conn, [incoming for _, incoming in mapped])
            for (raw, _), outcome in zip(mapped, outcomes):
                if isinstance(outcome, HubError):
                    failures.append((raw, str(outcome)))
                else:
                    result.created += outcome.created
                    result.changed += outcome.changed and not outcome.created
            for raw, reason in failures:
                self._keep_failure(conn, raw, reason)
                if len(result.errors) < ERRORS_KEPT:
                    result.errors.append(f"{raw.message_type} {raw.document_id}: {reason}")
            result.done += len(chunk)
            result.failed += len(failures)
            conn.execute(load_runs.update().where(load_runs.c.key == result.key)
                         .values(done=result.done, failed=result.failed, updated_at=utcnow(),
                                 error=result.errors[0] if result.errors else None))
        return True

    def _keep_failure(self, conn: sa.Connection, raw: RawDocument, reason: str) -> None:
        kept = archive.archive_inbound(conn, self.system, raw.message_type, dedupe_key(raw),
                                       "application/octet-stream", raw.payload or b"")
        archive.set_status(conn, kept.id, archive.FAILED, error=f"initial load: {reason}")

"""Initial loads: millions of records from one source into master data, resumably.

The loader's raw documents are consumed lazily and posted in chunks through the same
path as every inbound document (``hub.core.inbound.chunk``): archived, deduplicated,
mapped, upserted, with the same history, handlers and listeners. The number of
documents taken in is committed in the same transaction as each chunk, so a load
killed at any moment resumes exactly where its last chunk ended (the documents before
that point are parsed again but skipped). A record that cannot be mapped or stored
does not stop the load: it is counted, kept in the inbound archive with its error for
the administrator, and the load goes on.

A large load runs on every core: when the source can be cut into parts without parsing
it (``OpenedSource.parts``) and there are at least ``POOL_MIN_DOCUMENTS`` documents
left, the parts go to the ingest pool's worker processes (``hub.core.inbound.pool``),
which parse and map them side by side and post them one after the other in the
source's order, each part one chunk, committed with the load's progress
(``hub.core.inbound.loadpart``). Either way the outcome is the same, and either way a
killed load resumes where its last committed chunk ended. Smaller loads stay in this
process: starting the workers costs seconds.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

import sqlalchemy as sa

from hub.core.errors import HubError
from hub.core.gcpause import gc_paused
from hub.core.inbound.loadpart import LoadPart, advance, failure_text
from hub.core.inbound.outcome import IngestOutcome
from hub.core.inbound.pipeline import Ingestor
from hub.core.inbound.pool import IngestJob, IngestPool
from hub.core.model.base import utcnow
from hub.core.plugins.contracts import SplitSource
from hub.core.plugins.registry import CodecSpec
from hub.core.raw import RawDocument
from hub.core.store.tables import LoadRunRow

log = logging.getLogger(__name__)

load_runs = LoadRunRow.__table__
DEFAULT_CHUNK = 1000
ERRORS_KEPT = 20
RUNNING, COMPLETED = "running", "completed"
POOL_MIN_DOCUMENTS = 50_000
"""Documents left to load from which the ingest pool pays off. Its workers take seconds
to start (about 2 s of CPU each), and what they take off the posting process is the
parsing and mapping, about a fifth of a DEBMAS customer's cost with the duplicate check
(the rest is posting, which stays in order, one part at a time)."""

StartPool = Callable[[], "IngestPool | None"]
"""The ingest pool a large load may use (not started yet), or None when there is none."""


class LoadError(HubError):
    """A part of the load's source was refused whole (it cannot be read); the load stops
    before it, as it stops at a document it cannot read in one process."""


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
    processes: int = 1
    """Processes that parsed and mapped the documents: 1, or the ingest pool's workers."""

    def count(self, documents: int, outcomes: list[IngestOutcome]) -> None:
        """Add a committed chunk of ``documents`` with these outcomes."""
        failures = [o for o in outcomes if o.failed]
        self.done += documents
        self.failed += len(failures)
        self.created += sum(o.created for o in outcomes)
        self.changed += sum(o.status == "posted" and not o.created for o in outcomes)
        self.errors += [failure_text(o) for o in failures][: ERRORS_KEPT - len(self.errors)]


class InitialLoad:
    """One load of one object type from one system, through the system's ``Ingestor``."""

    def __init__(self, ingestor: Ingestor, object_name: str, codec: CodecSpec, chunk: int = DEFAULT_CHUNK,
                 start_pool: StartPool | None = None) -> None:
        self.ingestor = ingestor
        self.engine = ingestor.engine
        self.system = ingestor.system
        self.object_name = object_name
        self.codec = codec
        self.chunk = chunk
        self.start_pool = start_pool

    def run(self, documents: Iterable[RawDocument], source: str, key: str,
            on_progress: Callable[[int], None] | None = None, restart: bool = False,
            parts: SplitSource | None = None, total: int | None = None) -> LoadResult:
        """Load ``documents``; ``key`` identifies the source so a rerun resumes it.

        With ``parts`` (the same documents, unparsed) and ``total``, a load with at
        least ``POOL_MIN_DOCUMENTS`` documents left runs in the ingest pool.
        """
        start = self._begin(key, source, restart)
        result = LoadResult(key, RUNNING, start.done, start.failed, start.done)
        if start.status == COMPLETED:
            result.status = COMPLETED
            return result
        if on_progress:
            on_progress(start.done)
        pool = self._pool(parts, total, start.done)
        if pool is not None and parts is not None:
            result.processes = len(pool.pids)
            try:
                self._load_parts(pool, parts, source, result, on_progress)
            finally:
                pool.close()
        else:
            stream = iter(documents)
            for _ in itertools.islice(stream, start.done):
                pass
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

    def _pool(self, parts: SplitSource | None, total: int | None, done: int) -> IngestPool | None:
        """The started ingest pool, if this load is large enough and can be cut into parts."""
        if parts is None or total is None or total - done < POOL_MIN_DOCUMENTS or self.start_pool is None:
            return None
        pool = self.start_pool()
        return pool if pool is not None and pool.started("loading in one process") else None

    def _load_parts(self, pool: IngestPool, parts: SplitSource, source: str, result: LoadResult,
                    on_progress: Callable[[int], None] | None) -> None:
        """Hand the parts not loaded yet to the pool; count each as it commits, in order."""
        for posted in pool.run(self._jobs(parts, source, result.key, result.done)):
            if posted.error is not None:
                raise LoadError(f"{self.system} {self.object_name}: {posted.job.source_name}: {posted.error}")
            part = posted.job.part
            assert part is not None
            result.count(part.count - part.skip, posted.outcomes)
            if on_progress:
                on_progress(result.done)

    def _jobs(self, parts: SplitSource, source: str, key: str, done: int) -> Iterator[IngestJob]:
        first = 0
        for cut in parts(self.chunk):
            if first + cut.count > done:
                name = f"{source} (documents {first + 1:,} to {first + cut.count:,})"
                yield IngestJob(name, payload=cut.payload,
                                part=LoadPart(key, first, cut.count, max(done - first, 0), self.codec.name))
            first += cut.count

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

        before = replace(result, errors=list(result.errors))

        def progress(conn: sa.Connection, outcomes: list[IngestOutcome]) -> None:
            # From the counts before the chunk: a chunk posted again after a lost race runs this again.
            counted = replace(before, errors=list(before.errors))
            counted.count(len(chunk), outcomes)
            advance(conn, result.key, before.done, len(chunk), [o for o in outcomes if o.failed],
                    counted.errors[0] if counted.errors else None)
            result.done, result.failed, result.created, result.changed, result.errors = (
                counted.done, counted.failed, counted.created, counted.changed, counted.errors)

        try:
            self.ingestor.post_chunk(self.codec, chunk, origin="load", in_transaction=progress)
        except BaseException:
            # A chunk rolled back counts nothing.
            result.done, result.failed, result.created, result.changed = (
                before.done, before.failed, before.created, before.changed)
            result.errors = before.errors
            raise
        return True

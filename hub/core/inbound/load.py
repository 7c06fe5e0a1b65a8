"""Initial loads: millions of records from one source into master data, resumably.

The loader's raw documents are consumed lazily and posted in chunks through the same
path as every inbound document (``hub.core.inbound.chunk``): archived, deduplicated,
mapped, upserted, with the same history, handlers and listeners. The number of
documents taken in is committed in the same transaction as each chunk, so a load
killed at any moment resumes exactly where its last chunk ended (the documents before
that point are parsed again but skipped). A record that cannot be mapped or stored
does not stop the load: it is counted, kept in the inbound archive with its error for
the administrator, and the load goes on.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

import sqlalchemy as sa

from hub.core.gcpause import gc_paused
from hub.core.inbound.outcome import IngestOutcome
from hub.core.inbound.pipeline import Ingestor
from hub.core.model.base import utcnow
from hub.core.plugins.registry import CodecSpec
from hub.core.raw import RawDocument
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
    """One load of one object type from one system, through the system's ``Ingestor``."""

    def __init__(self, ingestor: Ingestor, object_name: str, codec: CodecSpec, chunk: int = DEFAULT_CHUNK) -> None:
        self.ingestor = ingestor
        self.engine = ingestor.engine
        self.system = ingestor.system
        self.object_name = object_name
        self.codec = codec
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

        before = replace(result, errors=list(result.errors))

        def progress(conn: sa.Connection, outcomes: list[IngestOutcome]) -> None:
            # From the counts before the chunk: a chunk posted again after a lost race runs this again.
            failures = [o for o in outcomes if o.failed]
            result.done = before.done + len(chunk)
            result.failed = before.failed + len(failures)
            result.created = before.created + sum(o.created for o in outcomes)
            result.changed = before.changed + sum(o.status == "posted" and not o.created for o in outcomes)
            result.errors = before.errors + [f"{o.message_type} {o.document_id}: {o.error}"
                                             for o in failures][: ERRORS_KEPT - len(before.errors)]
            conn.execute(load_runs.update().where(load_runs.c.key == result.key)
                         .values(done=result.done, failed=result.failed, updated_at=utcnow(),
                                 error=result.errors[0] if result.errors else None))

        try:
            self.ingestor.post_chunk(self.codec, chunk, origin="load", in_transaction=progress)
        except BaseException:
            # A chunk rolled back counts nothing.
            result.done, result.failed, result.created, result.changed = (
                before.done, before.failed, before.created, before.changed)
            result.errors = before.errors
            raise
        return True

"""An initial load's progress, and one part of a load posted by an ingest pool worker.

A load's progress (``load_runs.done``: documents of the source taken in, in order) is
committed in the transaction of each chunk it posts. That commit only moves on from
where the chunk began: a chunk posted after another run of the same load (or a worker
of a load killed meanwhile) has taken the source further is rolled back whole, so no
part of the source is ever taken in twice and the count stays exact.

A ``LoadPart`` is a run of whole documents of the source, unparsed (``SourcePart``),
that a pool worker (``hub.core.inbound.pool``) parses and maps side by side with the
others, then posts in its turn, in source order, through ``Ingestor.post_chunk``,
exactly as the load's own process posts a chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from hub.core.errors import DocumentError, HubError
from hub.core.inbound.outcome import IngestOutcome
from hub.core.inbound.pipeline import Ingestor, PreparedPayload
from hub.core.model.base import utcnow
from hub.core.store.tables import LoadRunRow

load_runs = LoadRunRow.__table__


class LoadRaceError(HubError):
    """The load's progress is no longer where a chunk began: another run took it on."""


def advance(conn: sa.Connection, key: str, start: int, documents: int, failures: list[IngestOutcome],
            first_error: str | None) -> None:
    """Move load ``key`` from ``start`` on by a chunk of ``documents``, inside its transaction."""
    moved = conn.execute(
        load_runs.update().where(load_runs.c.key == key, load_runs.c.done == start)
        .values(done=start + documents, failed=load_runs.c.failed + len(failures), updated_at=utcnow(),
                error=sa.func.coalesce(load_runs.c.error, first_error)))
    if moved.rowcount != 1:
        raise LoadRaceError(f"load {key}: its progress moved on from document {start:,} while a chunk was posted"
                            " (another run of the same load?); the chunk is rolled back")


def failure_text(outcome: IngestOutcome) -> str:
    """How a load lists a document that failed."""
    return f"{outcome.message_type} {outcome.document_id}: {outcome.error}"


@dataclass(frozen=True)
class LoadPart:
    """Where a job of the ingest pool sits in load ``key``: after ``first`` documents of
    the source, holding ``count`` of them, of which the first ``skip`` were loaded by an
    earlier run; read with the loader's codec ``codec``."""

    key: str
    first: int
    count: int
    skip: int
    codec: str

    @property
    def start(self) -> int:
        """The load's progress this part continues from."""
        return self.first + self.skip

    def prepare(self, ingestor: Ingestor, payload: bytes, source_name: str) -> PreparedPayload:
        """Parse and map the part's documents not loaded yet, writing nothing.

        A part that parses to another number of documents than its source counted is
        refused: posted, it would put the load's progress out of step with the source.
        """
        codec = ingestor.codec_named(self.codec)
        documents = list(codec.parse(payload, source_name))
        if len(documents) != self.count:
            raise DocumentError(source_name, "(part)", f"the source counted {self.count} documents here,"
                                f" the codec {self.codec} read {len(documents)}")
        return ingestor.prepare_documents(codec, documents[self.skip:])

    def post(self, ingestor: Ingestor, prepared: PreparedPayload) -> list[IngestOutcome]:
        """Post the prepared documents in one transaction with the load's progress."""

        def progress(conn: sa.Connection, outcomes: list[IngestOutcome]) -> None:
            failures = [o for o in outcomes if o.failed]
            advance(conn, self.key, self.start, len(prepared.documents), failures,
                    failure_text(failures[0]) if failures else None)

        return ingestor.post_chunk(prepared.codec, prepared.documents, premapped=prepared.premapped,
                                   origin="load", in_transaction=progress)

"""Taking external payloads in: archive, parse, map, upsert, enqueue, all or nothing.

One path for every way a payload arrives (file port, HTTP port, ``hub ingest``, a
replay of a kept payload, an initial load):

1. the plugin's codec that accepts the payload parses it into raw documents, one at a
   time, so a file of a million IDocs needs constant memory;
2. each raw document is archived as received under its dedupe key; a redelivery is
   counted and skipped, other content under a key already taken is a conflict;
3. the mapping table of its (system, message type) turns it into a canonical document;
4. the master-data service upserts it, and the outbox listeners enqueue what it causes,
   in the same transaction.

Documents go through in chunks (``hub.core.inbound.chunk``): one transaction per chunk
is what makes thousands of IDocs a second possible. A document that fails (mapping,
validation) is recorded as failed (status 51 for IDocs, with the error text) and kept
for replay, while the others of its chunk post; nothing of it is half-written.

Two processes taking the same delivery at the same moment (an ERP retrying a slow
call, a shop repeating a webhook) race for the archive's unique keys; the loser's
chunk is rolled back and posted again, which now finds those documents received.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.core.errors import DocumentError
from hub.core.gcpause import gc_paused
from hub.core.inbound.chunk import ChunkRun, Posting
from hub.core.inbound.outcome import IngestOutcome, summarise
from hub.core.inbound.premap import Premapped, premap
from hub.core.model.base import utcnow
from hub.core.observe.metrics import record_inbound
from hub.core.plugins.contracts import Origin
from hub.core.plugins.registry import CodecSpec
from hub.core.raw import RawDocument
from hub.core.store import archive
from hub.core.store.db import read_only
from hub.core.store.races import lost_race

DEFAULT_CHUNK = 200
SNIFF_BYTES = 4096
RACE_ATTEMPTS = 3
"""Times a chunk is posted when another process wins the race for its archive keys."""

InTransaction = Callable[[sa.Connection, list[IngestOutcome]], None]
"""Work done inside a chunk's transaction after its documents posted (a load's
progress, a plugin's polling cursor), so that both commit or neither does."""


def pick_codec(codecs: Sequence[CodecSpec], head: bytes, source_name: str) -> CodecSpec:
    """The first codec that says it reads this payload."""
    for codec in codecs:
        if codec.accepts is not None and codec.accepts(head, source_name):
            return codec
    names = ", ".join(c.name for c in codecs) or "none"
    raise DocumentError(source_name, "(payload)", f"no codec reads this payload (codecs: {names})")


@dataclass(frozen=True)
class PreparedPayload:
    """A payload parsed whole and mapped ahead, waiting to be posted (``Ingestor.post``)."""

    codec: CodecSpec
    documents: list[RawDocument]
    premapped: list[Premapped | None]
    received_at: datetime | None = None
    """When it was in the hub's hands, before parsing: its documents' "received" time."""


class Ingestor:
    """Takes payloads of one system in; see the module docstring."""

    def __init__(self, engine: sa.Engine, posting: Posting, codecs: Sequence[CodecSpec],
                 chunk: int = DEFAULT_CHUNK) -> None:
        self.engine = engine
        self.posting = posting
        self.codecs = list(codecs)
        self.chunk = chunk

    @property
    def system(self) -> str:
        """The system (plugin) whose payloads this ingestor takes."""
        return self.posting.system

    def ingest(self, payload: bytes, source_name: str, content_type: str = "application/octet-stream",
               in_transaction: InTransaction | None = None) -> list[IngestOutcome]:
        """Ingest every document of ``payload``; one outcome per document.

        The whole payload is parsed before anything is written: a payload no codec
        reads, or a truncated or corrupted one, raises DocumentError (naming document,
        segment and position) and stores nothing. Huge initial-load files go through
        ``hub load`` instead, which streams and resumes. With ``in_transaction`` the
        payload posts in one transaction, so what it writes commits with every document.

        The garbage collector stays paused from the parse to the last chunk's commit
        (see ``hub.core.gcpause``): the parsed documents live that long, and resuming it
        in between made it walk all of them again after every chunk. They are freed
        before it resumes, or its first pass would walk them once more.
        """
        received_at = utcnow()
        codec = pick_codec(self.codecs, payload[:SNIFF_BYTES], source_name)
        with gc_paused():
            # No name holds the parsed documents, so they die before the collector resumes.
            return list(self.ingest_documents(codec, list(codec.parse(payload, source_name)), content_type,
                                              in_transaction=in_transaction, received_at=received_at))

    def prepare(self, payload: bytes, source_name: str) -> PreparedPayload:
        """Parse ``payload`` whole and map its documents, writing nothing; ``post`` stores them.

        The mapping reads the key map outside any write transaction, so that another
        process may post meanwhile (``hub.core.inbound.pool``); ``post`` checks its
        lookups (``hub.core.inbound.premap``). Raises DocumentError like ``ingest``.
        """
        received_at = utcnow()
        codec = pick_codec(self.codecs, payload[:SNIFF_BYTES], source_name)
        prepared = self.prepare_documents(codec, list(codec.parse(payload, source_name)))
        return PreparedPayload(prepared.codec, prepared.documents, prepared.premapped, received_at)

    def prepare_documents(self, codec: CodecSpec, documents: list[RawDocument]) -> PreparedPayload:
        """Map documents already parsed by ``codec``, writing nothing (see ``prepare``)."""
        # Read-only: on SQLite it takes no write lock, so the worker posting meanwhile is not held up.
        with read_only(self.engine).connect() as conn:
            ahead = premap(conn, self.posting.mappings, documents, self.posting.handlers)
        return PreparedPayload(codec, documents, ahead)

    def codec_named(self, name: str) -> CodecSpec:
        """This system's codec ``name``."""
        for codec in self.codecs:
            if codec.name == name:
                return codec
        raise DocumentError(self.system, "codec", f"no codec {name!r} (codecs: "
                            f"{', '.join(c.name for c in self.codecs) or 'none'})")

    def post(self, prepared: PreparedPayload, content_type: str = "application/octet-stream") -> list[IngestOutcome]:
        """Store a prepared payload chunk by chunk, as ``ingest`` does."""
        return list(self.ingest_documents(prepared.codec, prepared.documents, content_type, prepared.premapped,
                                          received_at=prepared.received_at))

    def ingest_documents(self, codec: CodecSpec, documents: Sequence[RawDocument],
                         content_type: str = "application/octet-stream",
                         premapped: Sequence[Premapped | None] | None = None,
                         origin: Origin = "received", in_transaction: InTransaction | None = None,
                         received_at: datetime | None = None) -> Iterator[IngestOutcome]:
        """Ingest documents already parsed by ``codec``, chunk by chunk (with their
        mappings made ahead, if given); all in one chunk when ``in_transaction`` is given.
        ``received_at``: when their payload reached the hub, before it was parsed."""
        size = max(len(documents), 1) if in_transaction is not None else self.chunk
        for start in range(0, len(documents), size):
            end = start + size
            yield from self.post_chunk(codec, list(documents[start:end]), content_type,
                                       None if premapped is None else premapped[start:end], origin, in_transaction,
                                       received_at)

    def post_chunk(self, codec: CodecSpec, chunk: list[RawDocument], content_type: str = "application/octet-stream",
                   premapped: Sequence[Premapped | None] | None = None, origin: Origin = "received",
                   in_transaction: InTransaction | None = None,
                   received_at: datetime | None = None) -> list[IngestOutcome]:
        """Post one chunk in one transaction, again if another process won a race for its
        keys or the database aborted it for a deadlock (``hub.core.store.races``)."""
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                # Everything a chunk allocates dies when it commits; see hub.core.gcpause.
                with gc_paused(), self.engine.begin() as conn:
                    outcomes = self.post_in(conn, codec, chunk, content_type, premapped, origin, received_at)
                    if in_transaction is not None:
                        in_transaction(conn, outcomes)
                record_inbound(self.system, summarise(outcomes))  # committed: now they count
                return outcomes
            except sa.exc.DBAPIError as exc:
                if attempt == RACE_ATTEMPTS or not lost_race(exc):
                    raise
        raise AssertionError("unreachable")

    def post_in(self, conn: sa.Connection, codec: CodecSpec, chunk: list[RawDocument],
                content_type: str = "application/octet-stream", premapped: Sequence[Premapped | None] | None = None,
                origin: Origin = "received", received_at: datetime | None = None) -> list[IngestOutcome]:
        """Post one chunk inside the caller's open transaction (``conn``)."""
        return ChunkRun(self.posting, conn, codec, content_type, origin, received_at).run(chunk, premapped)

    def replay(self, payload_id: int) -> list[IngestOutcome]:
        """Process an archived payload again (after a mapping or master-data fix).

        The kept copy is parsed and posted like a new arrival, except that it is not a
        duplicate of itself: its history gains a ``replayed`` record, then the outcome.
        """
        with self.engine.begin() as conn:
            kept = archive.load_payload(conn, payload_id)
            if kept.system != self.system:
                raise DocumentError(f"inbound payload {payload_id}", "system",
                                    f"belongs to {kept.system}, not {self.system}")
            codec = pick_codec(self.codecs, kept.payload[:SNIFF_BYTES], f"archive:{payload_id}")
            documents = list(codec.parse(kept.payload, f"archive:{payload_id}"))
            return ChunkRun(self.posting, conn, codec, kept.content_type, "replay").replay(kept, documents)

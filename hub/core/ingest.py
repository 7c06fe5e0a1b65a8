"""Taking external payloads in: archive, parse, map, upsert, enqueue, all or nothing.

One path for every way a payload arrives (file port, HTTP port, ``hub ingest``):

1. the plugin's codec that accepts the payload parses it into raw documents, one at a
   time, so a file of a million IDocs needs constant memory;
2. each raw document is archived as received under its dedupe key; a redelivery is
   counted and skipped;
3. the mapping table of its (system, message type) turns it into a canonical document;
4. the master-data service upserts it, and the outbox listeners enqueue what it causes,
   in the same transaction.

Documents go through in chunks: one transaction per chunk is what makes thousands of
IDocs a second possible. A document that fails (mapping, validation) is recorded as
failed (status 51 for IDocs, with the error text) and kept for replay, while the
others of its chunk post; nothing of it is half-written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.core.errors import DocumentError, HubError
from hub.core.gcpause import gc_paused
from hub.core.mapping import MappingResult, MappingSet
from hub.core.masterdata import Incoming, MasterDataService
from hub.core.plugins.registry import CodecSpec
from hub.core.premap import Premapped, premap
from hub.core.raw import RawDocument
from hub.core.ingest_chunk import ChunkLookup, ChunkRun, IngestOutcome, dedupe_key, status_code
from hub.core.store import archive
from hub.core.store.db import read_only

DEFAULT_CHUNK = 200
SNIFF_BYTES = 4096


def pick_codec(codecs: Sequence[CodecSpec], head: bytes, source_name: str) -> CodecSpec:
    """The first codec that says it reads this payload."""
    for codec in codecs:
        if codec.accepts is not None and codec.accepts(head, source_name):
            return codec
    names = ", ".join(c.name for c in codecs) or "none"
    raise DocumentError(source_name, "(payload)", f"no codec reads this payload (codecs: {names})")


MessageHandler = Callable[[sa.Connection, RawDocument], str]
"""Handles a message type that is not a canonical document (an ERP's acknowledgement
of our own IDocs, say) inside the chunk's transaction; returns a note for the history."""

ChunkListener = Callable[[sa.Connection, list[tuple[RawDocument, "IngestOutcome"]]], None]
"""Called inside each chunk's transaction with every document and its outcome (e.g. to
enqueue acknowledgements to the sender atomically with the postings)."""


@dataclass(frozen=True)
class PreparedPayload:
    """A payload parsed whole and mapped ahead, waiting to be posted (``Ingestor.post``)."""

    codec: CodecSpec
    documents: list[RawDocument]
    premapped: list[Premapped | None]


class Ingestor:
    """Takes payloads of one system in; see the module docstring."""

    def __init__(self, engine: sa.Engine, system: str, codecs: Sequence[CodecSpec],
                 mappings: MappingSet, masterdata: MasterDataService, chunk: int = DEFAULT_CHUNK,
                 handlers: dict[str, MessageHandler] | None = None,
                 on_chunk: ChunkListener | None = None) -> None:
        self.engine = engine
        self.system = system
        self.codecs = list(codecs)
        self.mappings = mappings
        self.masterdata = masterdata
        self.chunk = chunk
        self.handlers = handlers or {}
        self.on_chunk = on_chunk

    def ingest(self, payload: bytes, source_name: str,
               content_type: str = "application/octet-stream") -> list[IngestOutcome]:
        """Ingest every document of ``payload``; one outcome per document.

        The whole payload is parsed before anything is written: a payload no codec
        reads, or a truncated or corrupted one, raises DocumentError (naming document,
        segment and position) and stores nothing. Huge initial-load files go through
        ``hub load`` instead, which streams and resumes.

        The garbage collector stays paused from the parse to the last chunk's commit
        (see ``hub.core.gcpause``): the parsed documents live that long, and resuming it
        in between made it walk all of them again after every chunk. They are freed
        before it resumes, or its first pass would walk them once more.
        """
        codec = pick_codec(self.codecs, payload[:SNIFF_BYTES], source_name)
        with gc_paused():
            # No name holds the parsed documents, so they die before the collector resumes.
            return list(self.ingest_documents(codec, list(codec.parse(payload, source_name)), content_type))

    def prepare(self, payload: bytes, source_name: str) -> PreparedPayload:
        """Parse ``payload`` whole and map its documents, writing nothing; ``post`` stores them.

        The mapping reads the key map outside any write transaction, so that another
        process may post meanwhile (``hub.core.ingest_pool``); ``post`` checks its
        lookups (``hub.core.premap``). Raises DocumentError like ``ingest``.
        """
        codec = pick_codec(self.codecs, payload[:SNIFF_BYTES], source_name)
        documents = list(codec.parse(payload, source_name))
        # Read-only: on SQLite it takes no write lock, so the worker posting meanwhile is not held up.
        with read_only(self.engine).connect() as conn:
            ahead = premap(conn, self.mappings, documents, self.handlers)
        return PreparedPayload(codec, documents, ahead)

    def post(self, prepared: PreparedPayload, content_type: str = "application/octet-stream") -> list[IngestOutcome]:
        """Store a prepared payload chunk by chunk, as ``ingest`` does."""
        return list(self.ingest_documents(prepared.codec, prepared.documents, content_type, prepared.premapped))

    def ingest_documents(self, codec: CodecSpec, documents: Sequence[RawDocument],
                         content_type: str = "application/octet-stream",
                         premapped: Sequence[Premapped | None] | None = None) -> Iterator[IngestOutcome]:
        """Ingest documents already parsed by ``codec``, chunk by chunk (with their
        mappings made ahead, if given)."""
        for start in range(0, len(documents), self.chunk):
            end = start + self.chunk
            yield from self._ingest_chunk(codec, list(documents[start:end]), content_type,
                                          None if premapped is None else premapped[start:end])

    def _ingest_chunk(self, codec: CodecSpec, chunk: list[RawDocument], content_type: str,
                      premapped: Sequence[Premapped | None] | None) -> list[IngestOutcome]:
        # Everything a chunk allocates dies when it commits; see hub.core.gcpause.
        with gc_paused(), self.engine.begin() as conn:
            return ChunkRun(self, conn, codec, content_type).run(chunk, premapped)

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
            archive.set_status(conn, payload_id, "replayed", text="processing the kept payload again")
            done: list[tuple[RawDocument, IngestOutcome]] = []
            for raw in codec.parse(kept.payload, f"archive:{payload_id}"):
                try:
                    with conn.begin_nested():
                        result = self.mappings.map_inbound(raw, ChunkLookup(conn), report_unmapped=False)
                        upsert = self.masterdata.upsert_in(conn, [Incoming(result.document, self.system)])[0]
                        done.append((raw, self._posted(conn, raw, result, payload_id, upsert)))
                except HubError as exc:
                    done.append((raw, self._failed(conn, raw, payload_id, exc)))
            if self.on_chunk is not None:
                self.on_chunk(conn, done)
            return [outcome for _, outcome in done]

    def _failed(self, conn: sa.Connection, raw: RawDocument, payload_id: int, exc: HubError) -> IngestOutcome:
        archive.set_status(conn, payload_id, archive.FAILED, code=status_code(raw, "failed"), error=str(exc))
        return self._outcome(raw, "failed", payload_id, error=str(exc))

    def _posted(self, conn: sa.Connection, raw: RawDocument, result: MappingResult,
                payload_id: int, upsert: Any) -> IngestOutcome:
        mapping = f"{result.mapping_file}@{result.mapping_version}"
        status = "posted" if upsert.changed else "unchanged"
        text = f"{upsert.doc_type} {upsert.hub_id} version {upsert.version}" + ("" if upsert.changed else " (no change)")
        archive.set_status(conn, payload_id, archive.POSTED, code=status_code(raw, "posted"), text=text,
                           hub_id=upsert.hub_id, mapping=mapping)
        return self._outcome(raw, status, payload_id, hub_id=upsert.hub_id, doc_type=upsert.doc_type,
                             version=upsert.version, mapping=mapping)

    @staticmethod
    def _outcome(raw: RawDocument, status: str, payload_id: int | None, **fields: Any) -> IngestOutcome:
        return IngestOutcome(raw.source, raw.message_type, raw.document_id, status, payload_id, **fields)


def summarise(outcomes: Iterable[IngestOutcome]) -> dict[str, int]:
    """Counts per status."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts



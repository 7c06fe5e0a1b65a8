"""One chunk of inbound documents, processed in one transaction with a handful of statements.

Per document the work is in memory (dedupe check against one query's answer, mapping
with key-map lookups cached for the chunk, the handler of a non-canonical message);
the database sees one query for earlier receipts, one per object type for the key-map
lookups the mapping tables will make, one batch upsert, one bulk insert of
the archive rows with their final status history, and one update counting redeliveries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hub.core.errors import DocumentError, HubError
from hub.core.mapping.keys import LookupKey
from hub.core.masterdata import Incoming, UpsertResult
from hub.core.model.base import utcnow
from hub.core.plugins.registry import CodecSpec
from hub.core.raw import RawDocument
from hub.core.store import archive, keymap

if TYPE_CHECKING:
    from hub.core.ingest import Ingestor
    from hub.core.mapping import MappingResult
    from hub.core.premap import Premapped

# SAP's inbound IDoc status codes, recorded for IDocs so an SAP admin reads familiar history.
IDOC_CODES = {"received": "50", "mapped": "64", "posted": "53", "failed": "51"}


@dataclass(frozen=True)
class IngestOutcome:
    """What became of one inbound document."""

    source: str
    message_type: str
    document_id: str
    status: str
    """posted (stored, changed), unchanged (stored before, nothing new), duplicate
    (this very document was received before), failed."""
    payload_id: int | None = None
    hub_id: str | None = None
    doc_type: str | None = None
    version: int | None = None
    error: str | None = None
    mapping: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


def dedupe_key(raw: RawDocument) -> str:
    """The source's own identity of a document: message type and document number."""
    return f"{raw.message_type}:{raw.document_id}"


def status_code(raw: RawDocument, status: str) -> str | None:
    """The sender's own code for a status (IDoc status numbers), if it has one."""
    return IDOC_CODES[status] if raw.format == "idoc" else None


class ChunkLookup:
    """Key-map lookups for one chunk, kept: an order names the same customer several times.

    ``prefetch`` answers every key the chunk's documents will look up with one query per
    object type; a key it did not foresee is asked on its own and kept as well.
    """

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.known: dict[LookupKey, str | None] = {}

    def prefetch(self, keys: Iterable[LookupKey]) -> None:
        """Ask the store once per (system, object type) for every key not yet known."""
        wanted: dict[tuple[str, str], list[str]] = {}
        for system, object_type, external_id in keys:
            if (system, object_type, external_id) not in self.known:
                wanted.setdefault((system, object_type), []).append(external_id)
        for (system, object_type), ids in wanted.items():
            found = keymap.lookup_many(self.conn, system, object_type, ids)
            for external_id in ids:
                self.known[(system, object_type, external_id)] = found.get(external_id)

    def forget(self) -> None:
        """Drop every kept answer (after something that may have changed the key map)."""
        self.known.clear()

    def __call__(self, system: str, object_type: str, external_id: str) -> str | None:
        key = (system, object_type, external_id)
        try:
            return self.known[key]
        except KeyError:
            found = self.known[key] = keymap.lookup(self.conn, system, object_type, external_id)
            return found


@dataclass
class Entry:
    """One document of the chunk on its way: what it became and its status records."""

    raw: RawDocument
    key: str
    history: list[dict[str, Any]] = field(default_factory=list)
    status: str = "posted"
    duplicate: bool = False
    error: str | None = None
    upsert: UpsertResult | None = None
    mapping: str | None = None

    def record(self, status: str, text: str) -> None:
        """Append a status record (with the sender's code, if any)."""
        self.history.append(archive.status_record(status, status_code(self.raw, status), text))

    def fail(self, exc: HubError) -> None:
        """The document was refused: status 51 for IDocs, with the reason."""
        self.status, self.error = "failed", str(exc)
        self.record("failed", str(exc))


class ChunkRun:
    """Processes one chunk for an Ingestor inside an open transaction."""

    def __init__(self, ingestor: Ingestor, conn: sa.Connection, codec: CodecSpec, content_type: str) -> None:
        self.ingestor = ingestor
        self.conn = conn
        self.codec = codec
        self.content_type = content_type
        self.lookup = ChunkLookup(conn)

    def run(self, chunk: list[RawDocument],
            premapped: Sequence[Premapped | None] | None = None) -> list[IngestOutcome]:
        """Ingest ``chunk``; one outcome per document, in order.

        ``premapped``, when given, holds each document's mapping made ahead of this
        transaction (``hub.core.premap``); it is used where its key-map lookups still
        get the same answers.
        """
        system = self.ingestor.system
        entries = [Entry(raw, dedupe_key(raw)) for raw in chunk]
        ahead = premapped if premapped is not None else [None] * len(chunk)
        earlier = archive.received_before(self.conn, system, list({e.key for e in entries}))
        first: set[str] = set()
        for entry in entries:
            if entry.key in earlier or entry.key in first:
                entry.duplicate, entry.status = True, "duplicate"
            else:
                first.add(entry.key)
        handlers = self.ingestor.handlers
        mappings = self.ingestor.mappings
        self.lookup.prefetch(key for e, made in zip(entries, ahead)
                             if not e.duplicate and e.raw.message_type not in handlers
                             for key in (made.lookups if made is not None else mappings.lookup_keys(e.raw)))
        pending: list[tuple[Entry, Any]] = []
        for entry, made in zip(entries, ahead):
            if entry.duplicate:
                continue
            entry.record("received", "received")
            if entry.raw.message_type in handlers:
                self._handle(entry)
                # A handler may link keys (an ERP number confirmed): look them up afresh.
                self.lookup.forget()
                continue
            try:
                result = self._map(entry.raw, made)
            except HubError as exc:
                entry.fail(exc)
                continue
            entry.mapping = f"{result.mapping_file}@{result.mapping_version}"
            entry.record("mapped", f"mapped by {entry.mapping}")
            pending.append((entry, result.document))
        upserts = self.ingestor.masterdata.upsert_each(self.conn, [Incoming(d, system) for _, d in pending])
        for (entry, _), upsert in zip(pending, upserts):
            if isinstance(upsert, HubError):
                entry.fail(upsert)
            else:
                entry.upsert = upsert
                entry.status = "posted" if upsert.changed else "unchanged"
                entry.record("posted", f"{upsert.doc_type} {upsert.hub_id} version {upsert.version}"
                             + ("" if upsert.changed else " (no change)"))
        ids = archive.keep_processed(self.conn, system, [self._kept(e) for e in entries if not e.duplicate])
        archive.count_redeliveries(self.conn, [earlier.get(e.key) or ids[e.key] for e in entries if e.duplicate])
        outcomes = [self._outcome(e, earlier.get(e.key) or ids.get(e.key)) for e in entries]
        if self.ingestor.on_chunk is not None:
            self.ingestor.on_chunk(self.conn, list(zip(chunk, outcomes)))
        return outcomes

    def _map(self, raw: RawDocument, made: Premapped | None) -> MappingResult:
        if made is not None and made.still_holds(self.lookup):
            return made.outcome()
        return self.ingestor.mappings.map_inbound(raw, self.lookup, report_unmapped=False)

    def _handle(self, entry: Entry) -> None:
        try:
            with self.conn.begin_nested():
                note = self.ingestor.handlers[entry.raw.message_type](self.conn, entry.raw)
        except HubError as exc:
            entry.fail(exc)
            return
        entry.record("posted", note)

    def _kept(self, entry: Entry) -> archive.ProcessedPayload:
        payload = entry.raw.payload
        if payload is None:
            if self.codec.render is None:
                raise DocumentError(entry.raw.source, "(payload)", f"codec {self.codec.name} cannot keep a copy")
            payload = self.codec.render([entry.raw])
        upsert = entry.upsert
        return archive.ProcessedPayload(
            entry.raw.message_type, entry.key, self.content_type, payload,
            archive.FAILED if entry.status == "failed" else archive.POSTED, entry.history, entry.error,
            upsert.hub_id if upsert else None, entry.mapping)

    def _outcome(self, entry: Entry, payload_id: int | None) -> IngestOutcome:
        upsert = entry.upsert
        return IngestOutcome(entry.raw.source, entry.raw.message_type, entry.raw.document_id, entry.status,
                             payload_id, upsert.hub_id if upsert else None, upsert.doc_type if upsert else None,
                             upsert.version if upsert else None, entry.error, entry.mapping)

"""One chunk of inbound documents, processed in one transaction with a handful of statements.

Per document the work is in memory (dedupe check against one query's answer, mapping
with key-map lookups cached for the chunk, the handler of a non-canonical message);
the database sees one query for earlier receipts, one per object type for the key-map
lookups the mapping tables will make, one batch upsert, one bulk insert of
the archive rows with their final status history, and one update counting redeliveries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
import hashlib
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
from hub.core.store.inbound_counts import ATTENTION_STATUSES

if TYPE_CHECKING:
    from hub.core.ingest import Ingestor
    from hub.core.mapping import MappingResult
    from hub.core.premap import Premapped

# SAP's inbound IDoc status codes, recorded for IDocs so an SAP admin reads familiar history.
IDOC_CODES = {"received": "50", "mapped": "64", "posted": "53", "failed": "51", "conflict": "51"}
MAX_KEY = 200
"""Longest dedupe key the archive stores; longer ones keep their start and a hash of the whole."""
FAILED_OUTCOMES = frozenset(ATTENTION_STATUSES)


@dataclass(frozen=True)
class IngestOutcome:
    """What became of one inbound document."""

    source: str
    message_type: str
    document_id: str
    status: str
    """posted (stored, changed), unchanged (stored before, nothing new), duplicate
    (this very document was received before), failed, conflict (another document was
    received under its key before: kept, not posted)."""
    payload_id: int | None = None
    hub_id: str | None = None
    doc_type: str | None = None
    version: int | None = None
    error: str | None = None
    """Why it failed; for a duplicate of a document that failed, how to replay that one."""
    mapping: str | None = None
    conflict_of: int | None = None
    """For a conflict: the payload first received under the same key."""

    @property
    def failed(self) -> bool:
        """Whether the document was not posted and waits for an administrator."""
        return self.status in FAILED_OUTCOMES

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


def dedupe_key(raw: RawDocument) -> str:
    """The source's own identity of a document (``RawDocument.dedupe_key``), at most
    ``MAX_KEY`` characters."""
    key = raw.dedupe_key or f"{raw.message_type}:{raw.document_id}"
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[: MAX_KEY - 33]}#{digest}"


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


@dataclass(eq=False)
class Entry:
    """One document of the chunk on its way: what it became and its status records.

    A redelivery has ``same_as`` (the id of the copy received before, or the entry of
    this chunk that carries it); a conflicting version has ``conflict_with`` (likewise
    the first copy under its key). Neither is processed.
    """

    raw: RawDocument
    key: str
    payload: bytes
    digest: str
    history: list[dict[str, Any]] = field(default_factory=list)
    status: str = "posted"
    error: str | None = None
    upsert: UpsertResult | None = None
    mapping: str | None = None
    same_as: Entry | archive.Earlier | None = None
    conflict_with: Entry | int | None = None
    payload_id: int | None = None

    @property
    def duplicate(self) -> bool:
        """A redelivery of something already received: not kept again."""
        return self.same_as is not None

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
        entries = [self._entry(raw) for raw in chunk]
        ahead = premapped if premapped is not None else [None] * len(chunk)
        self._classify(entries)
        handlers = self.ingestor.handlers
        mappings = self.ingestor.mappings
        self.lookup.prefetch(key for e, made in zip(entries, ahead)
                             if not e.duplicate and e.conflict_with is None and e.raw.message_type not in handlers
                             for key in (made.lookups if made is not None else mappings.lookup_keys(e.raw)))
        pending: list[tuple[Entry, Any]] = []
        for entry, made in zip(entries, ahead):
            if entry.duplicate or entry.conflict_with is not None:
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
        self._keep(entries)
        outcomes = [self._outcome(e) for e in entries]
        if self.ingestor.on_chunk is not None:
            self.ingestor.on_chunk(self.conn, list(zip(chunk, outcomes)))
        return outcomes

    def _entry(self, raw: RawDocument) -> Entry:
        payload = raw.payload
        if payload is None:
            if self.codec.render is None:
                raise DocumentError(raw.source, "(payload)", f"codec {self.codec.name} cannot keep a copy")
            payload = self.codec.render([raw])
        return Entry(raw, dedupe_key(raw), payload, archive.content_hash(payload))

    def _classify(self, entries: list[Entry]) -> None:
        """Mark each redelivery and each conflicting version, against the archive and
        against the documents before it in this chunk."""
        system = self.ingestor.system
        keys = list({e.key for e in entries})
        originals = archive.received_before(self.conn, system, keys)
        suspects = list({e.key for e in entries
                         if e.key in originals and originals[e.key].content_hash != e.digest})
        versions = archive.conflicting_versions(self.conn, system, suspects) if suspects else {}
        first_in_chunk: dict[str, Entry] = {}
        in_chunk: dict[tuple[str, str], Entry] = {}
        for entry in entries:
            original = originals.get(entry.key)
            if original is not None and original.content_hash == entry.digest:
                entry.same_as = original
            elif original is not None and (entry.key, entry.digest) in versions:
                entry.same_as = versions[(entry.key, entry.digest)]
            elif (entry.key, entry.digest) in in_chunk:
                entry.same_as = in_chunk[(entry.key, entry.digest)]
            else:
                in_chunk[(entry.key, entry.digest)] = entry
                if original is not None:
                    entry.conflict_with = original.id
                elif entry.key in first_in_chunk:
                    entry.conflict_with = first_in_chunk[entry.key]
                else:
                    first_in_chunk[entry.key] = entry
            if entry.duplicate:
                entry.status = "duplicate"
                entry.error = _replay_hint(entry.same_as)
            elif entry.conflict_with is not None:
                entry.status = "conflict"

    def _keep(self, entries: list[Entry]) -> None:
        """Archive the chunk's new payloads (conflicting versions after the copies they
        conflict with, whose ids they need) and count the redeliveries."""
        system = self.ingestor.system
        first = [e for e in entries if not e.duplicate and not isinstance(e.conflict_with, Entry)]
        later = [e for e in entries if isinstance(e.conflict_with, Entry)]
        for batch in (first, later):
            if batch:
                ids = archive.keep_processed(self.conn, system, [self._kept(e) for e in batch])
                for entry in batch:
                    entry.payload_id = ids[(entry.key, entry.digest)]
        redelivered = [e.same_as.payload_id if isinstance(e.same_as, Entry) else e.same_as.id
                       for e in entries if e.same_as is not None]
        archive.count_redeliveries(self.conn, [i for i in redelivered if i is not None])

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
        upsert = entry.upsert
        conflict_of = entry.conflict_with.payload_id if isinstance(entry.conflict_with, Entry) else entry.conflict_with
        if conflict_of is not None:
            entry.record("received", "received")
            entry.error = archive.conflict_text(conflict_of)
            entry.record("conflict", entry.error)
        return archive.ProcessedPayload(
            entry.raw.message_type, entry.key, self.content_type, entry.payload, entry.digest,
            archive.CONFLICT if conflict_of is not None else archive.FAILED if entry.status == "failed"
            else archive.POSTED, entry.history, entry.error, upsert.hub_id if upsert else None, entry.mapping,
            conflict_of)

    def _outcome(self, entry: Entry) -> IngestOutcome:
        upsert = entry.upsert
        same = entry.same_as
        payload_id = entry.payload_id if same is None else same.payload_id if isinstance(same, Entry) else same.id
        conflict_of = entry.conflict_with.payload_id if isinstance(entry.conflict_with, Entry) else entry.conflict_with
        return IngestOutcome(entry.raw.source, entry.raw.message_type, entry.raw.document_id, entry.status,
                             payload_id, upsert.hub_id if upsert else None, upsert.doc_type if upsert else None,
                             upsert.version if upsert else None, entry.error, entry.mapping, conflict_of)


def _replay_hint(earlier: Entry | archive.Earlier | None) -> str | None:
    """For a redelivery of a document that was not posted: where it is, and how to post it."""
    if not isinstance(earlier, archive.Earlier) or earlier.status not in ATTENTION_STATUSES:
        return None
    return (f"received before as payload {earlier.id}, which is {earlier.status}"
            + (f" ({earlier.error})" if earlier.error and earlier.status == archive.FAILED else "")
            + f"; after fixing the cause, post it with `hub inbound replay {earlier.id}`")

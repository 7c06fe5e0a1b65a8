"""One chunk of inbound documents, posted in one transaction with a handful of statements.

Every way a document comes in goes through here, so every document gets the same
dedupe, status history, handlers, mapping, master data and chunk listeners:

- new arrivals (ports, ``hub ingest``, initial loads) are checked against the archive
  (a redelivery is counted, other content under a key already taken is a conflict,
  see ``hub.core.store.archive``) and archived with their status history;
- a replay posts a kept payload again and appends to that payload's history.

Per document the work is in memory (dedupe check against one query's answer, mapping
with key-map lookups cached for the chunk, the handler of a non-canonical message);
the database sees one query for earlier receipts, one per object type for the key-map
lookups the mapping tables will make, one batch upsert, one bulk insert of the archive
rows with their final status history, and one update counting redeliveries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from hub.core.errors import DocumentError, HubError, UnresolvedReferenceError
from hub.core.inbound.lookup import ChunkLookup
from hub.core.inbound.outcome import IngestOutcome, OutcomeStatus
from hub.core.inbound.premap import Premapped
from hub.core.mapping import MappingResult, MappingSet
from hub.core.masterdata import Incoming, MasterDataService, UpsertResult
from hub.core.model.base import Document
from hub.core.plugins.contracts import ChunkListener, MessageHandler, Origin, PostedChunk, SourceSystem
from hub.core.plugins.registry import CodecSpec
from hub.core.plugins.transaction import PluginTransaction
from hub.core.raw import RawDocument
from hub.core.store import archive
from hub.core.store.inbound_counts import ATTENTION_STATUSES
from hub.core.store.tables import InboundPayloadRow

MAX_KEY = 200
"""Longest dedupe key the archive stores; longer ones keep their start and a hash of the whole."""

@dataclass(frozen=True)
class Posting:
    """What posting one system's documents needs: handed to each chunk by the pipeline."""

    system: str
    mappings: MappingSet
    masterdata: MasterDataService
    handlers: Mapping[str, MessageHandler] = field(default_factory=dict)
    listener: ChunkListener | None = None
    source_of: SourceSystem | None = None

    def incoming(self, raw: RawDocument, document: Document, stamp: datetime | None) -> Incoming:
        """``document`` as the system it comes from sent it: this system, or the one
        ``source_of`` names for ``raw`` (an EDI partner whose IDocs come through the
        ERP's port). Then the ids the mapping table gave as this system's are that
        system's: its order number must not become the ERP's, and the outbox sends the
        change to this system like any change from elsewhere."""
        source = self.source_of(raw) if self.source_of is not None else None
        if source is None or source == self.system:
            return Incoming(document, self.system, source_time=stamp)
        ids = [ref.model_copy(update={"system": source}) if ref.system == self.system else ref
               for ref in document.external_ids]
        return Incoming(document.model_copy(update={"external_ids": ids}), source, source_time=stamp)


def dedupe_key(raw: RawDocument) -> str:
    """The source's own identity of a document (``RawDocument.dedupe_key``), at most
    ``MAX_KEY`` characters."""
    key = raw.dedupe_key or f"{raw.message_type}:{raw.document_id}"
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[: MAX_KEY - 33]}#{digest}"


@dataclass(eq=False)
class Entry:
    """One document of the chunk on its way: what it became and its status records.

    A redelivery has ``same_as`` (the copy received before, or the entry of this chunk
    that carries it); a conflicting version has ``conflict_with`` (likewise the first
    copy under its key, by id or entry). Neither is processed.
    """

    raw: RawDocument
    key: str
    payload: bytes
    digest: str
    history: list[dict[str, object]] = field(default_factory=list)
    status: OutcomeStatus = "posted"
    error: str | None = None
    upsert: UpsertResult | None = None
    mapping: str | None = None
    same_as: Entry | archive.Earlier | None = None
    conflict_with: Entry | int | None = None
    payload_id: int | None = None
    waiting_for: tuple[str, str, str] | None = None

    @property
    def duplicate(self) -> bool:
        """A redelivery of something already received: not kept again."""
        return self.same_as is not None

    @property
    def fresh(self) -> bool:
        """To be processed: neither a redelivery nor a conflicting version."""
        return self.same_as is None and self.conflict_with is None

    def conflict_of(self) -> int | None:
        """The id of the first copy this conflicting version conflicts with."""
        target = self.conflict_with
        return target.payload_id if isinstance(target, Entry) else target


class ChunkRun:
    """Posts one chunk of one system's documents inside an open transaction."""

    def __init__(self, posting: Posting, conn: sa.Connection, codec: CodecSpec,
                 content_type: str = "application/octet-stream", origin: Origin = "received",
                 received_at: datetime | None = None) -> None:
        self.posting = posting
        # When the payload was in the hub's hands, before it was parsed (now, if not given):
        # each document's "received" record, from which its parsing and mapping are timed.
        self.received_at = received_at
        self.conn = conn
        self.codec = codec
        self.content_type = content_type
        self.origin = origin
        self.lookup = ChunkLookup(conn)
        self.transaction = PluginTransaction(posting.system, conn, posting.masterdata)

    def run(self, chunk: list[RawDocument],
            premapped: Sequence[Premapped | None] | None = None) -> list[IngestOutcome]:
        """Post newly arrived documents; one outcome per document, in order.

        ``premapped``, when given, holds each document's mapping made ahead of this
        transaction (``hub.core.inbound.premap``); it is used where its key-map lookups
        still get the same answers.
        """
        entries = [self._entry(raw) for raw in chunk]
        self._classify(entries)
        ahead = premapped if premapped is not None else [None] * len(entries)
        self._process([(e, made) for e, made in zip(entries, ahead, strict=True) if e.fresh])
        self._keep(entries)
        return self._finish(entries)

    def replay(self, kept: InboundPayloadRow, documents: list[RawDocument]) -> list[IngestOutcome]:
        """Post the documents of a kept payload again; its history gains a ``replayed``
        record, then what became of them."""
        payload_id = kept.id
        assert payload_id is not None, "a kept payload is a stored row"
        digest = kept.content_hash or archive.content_hash(kept.payload)
        entries = [Entry(raw, kept.dedupe_key, kept.payload, digest, list(kept.history), payload_id=payload_id)
                   for raw in documents]
        for entry in entries:
            self._record(entry, "replayed", "processing the kept payload again")
        self._process([(entry, None) for entry in entries])
        for entry in entries:
            archive.record_outcome(self.conn, payload_id, self._archive_status(entry), entry.history, entry.error,
                                   entry.upsert.hub_id if entry.upsert else None, entry.mapping, entry.waiting_for)
        return self._finish(entries)

    def _entry(self, raw: RawDocument) -> Entry:
        payload = raw.payload
        if payload is None:
            if self.codec.render is None:
                raise DocumentError(raw.source, "(payload)", f"codec {self.codec.name} cannot keep a copy")
            payload = self.codec.render([raw])
        return Entry(raw, dedupe_key(raw), payload, archive.content_hash(payload))

    def _record(self, entry: Entry, status: str, text: str, at: datetime | None = None) -> None:
        """Append a status record (made now, unless ``at``), with the sender's own code
        for it (IDoc 53...), if any."""
        entry.history.append(archive.status_record(status, self.codec.status_codes.get(status), text, at))

    def _fail(self, entry: Entry, exc: HubError) -> None:
        if isinstance(exc, UnresolvedReferenceError):
            entry.status, entry.error, entry.waiting_for = "waiting", str(exc), exc.missing
            system, object_type, external_id = exc.missing
            self._record(entry, "waiting", f"waiting for {object_type} {external_id} of {system}, which the hub"
                                           f" does not know yet; posted when it arrives ({exc})")
            return
        entry.status, entry.error = "failed", str(exc)
        self._record(entry, "failed", str(exc))

    def _classify(self, entries: list[Entry]) -> None:
        """Mark each redelivery and each conflicting version, against the archive and
        against the documents before it in this chunk."""
        system = self.posting.system
        originals = archive.received_before(self.conn, system, list({e.key for e in entries}))
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

    def _process(self, work: list[tuple[Entry, Premapped | None]]) -> None:
        """Handle, map and upsert each document; what happens is recorded in its entry."""
        handlers = self.posting.handlers
        mappings = self.posting.mappings
        self.lookup.prefetch(key for entry, made in work if entry.raw.message_type not in handlers
                             for key in (made.lookups if made is not None else mappings.lookup_keys(entry.raw)))
        pending: list[Entry] = []
        documents = []
        for entry, made in work:
            if self.origin != "replay":
                self._record(entry, "received", "read by an initial load" if self.origin == "load" else "received",
                             self.received_at)
            if entry.raw.message_type in handlers:
                self._handle(entry)
                # A handler may link keys (an ERP number confirmed): look them up afresh.
                self.lookup.forget()
                continue
            try:
                result = self._map(entry.raw, made)
                stamp = source_time(entry.raw)
            except HubError as exc:
                self._fail(entry, exc)
                continue
            entry.mapping = f"{result.mapping_file}@{result.mapping_version}"
            self._record(entry, "mapped", f"mapped by {entry.mapping}")
            for note in result.notes:
                self._record(entry, "mapped", note)
            pending.append(entry)
            documents.append(self.posting.incoming(entry.raw, result.document, stamp))
        upserts = self.posting.masterdata.upsert_each(self.conn, documents)
        for entry, upsert in zip(pending, upserts, strict=True):
            if isinstance(upsert, HubError):
                self._fail(entry, upsert)
                continue
            entry.upsert = upsert
            if upsert.stale:
                entry.status = "stale"
                self._record(entry, "posted", f"{upsert.doc_type} {upsert.hub_id}: older than the version applied"
                                              f" from {self.posting.system}; recorded, not applied")
                continue
            entry.status = "posted" if upsert.changed else "unchanged"
            self._record(entry, "posted", f"{upsert.doc_type} {upsert.hub_id} version {upsert.version}"
                         + ("" if upsert.changed else " (no change)"))

    def _map(self, raw: RawDocument, made: Premapped | None) -> MappingResult:
        if made is not None and made.still_holds(self.lookup):
            return made.outcome()
        return self.posting.mappings.map_inbound(raw, self.lookup, report_unmapped=False)

    def _handle(self, entry: Entry) -> None:
        try:
            with self.conn.begin_nested():
                note = self.posting.handlers[entry.raw.message_type](self.transaction, entry.raw)
        except HubError as exc:
            self._fail(entry, exc)
            return
        self._record(entry, "posted", note)

    def _keep(self, entries: list[Entry]) -> None:
        """Archive the chunk's new payloads (conflicting versions after the copies they
        conflict with, whose ids they need) and count the redeliveries."""
        system = self.posting.system
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

    def _archive_status(self, entry: Entry) -> str:
        if entry.status == "conflict":
            return archive.CONFLICT
        if entry.status == "waiting":
            return archive.WAITING
        return archive.FAILED if entry.status == "failed" else archive.POSTED

    def _kept(self, entry: Entry) -> archive.ProcessedPayload:
        conflict_of = entry.conflict_of()
        if conflict_of is not None:
            self._record(entry, "received", "received")
            entry.error = archive.conflict_text(conflict_of)
            self._record(entry, "conflict", entry.error)
        return archive.ProcessedPayload(
            entry.raw.message_type, entry.key, self.content_type, entry.payload, entry.digest,
            self._archive_status(entry), entry.history, entry.error,
            entry.upsert.hub_id if entry.upsert else None, entry.mapping, conflict_of, entry.waiting_for)

    def _finish(self, entries: list[Entry]) -> list[IngestOutcome]:
        outcomes = [_outcome(e) for e in entries]
        if self.posting.listener is not None:
            self.posting.listener(PostedChunk(self.transaction, self.origin,
                                              [(e.raw, o) for e, o in zip(entries, outcomes, strict=True)]))
        return outcomes


def _outcome(entry: Entry) -> IngestOutcome:
    upsert = entry.upsert
    same = entry.same_as
    payload_id = entry.payload_id if same is None else same.payload_id if isinstance(same, Entry) else same.id
    return IngestOutcome(entry.raw.source, entry.raw.message_type, entry.raw.document_id, entry.status,
                         payload_id, upsert.hub_id if upsert else None, upsert.doc_type if upsert else None,
                         upsert.version if upsert else None, entry.error, entry.mapping, entry.conflict_of(),
                         upsert.created if upsert else False, entry.waiting_for)


def source_time(raw: RawDocument) -> datetime | None:
    """The source's own modification time of the document (``control["modified_at"]``,
    ISO 8601 with a UTC offset), for sources that stamp their objects."""
    text = raw.control.get("modified_at")
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        stamp = None
    if stamp is None or stamp.tzinfo is None:
        raise DocumentError(f"{raw.message_type} {raw.document_id}", "control.modified_at",
                            f"{text!r} is not an ISO 8601 time with a UTC offset")
    return stamp


def _replay_hint(earlier: Entry | archive.Earlier | None) -> str | None:
    """For a redelivery of a document that was not posted: where it is, and how to post it."""
    if not isinstance(earlier, archive.Earlier) or earlier.status not in ATTENTION_STATUSES:
        return None
    return (f"received before as payload {earlier.id}, which is {earlier.status}"
            + (f" ({earlier.error})" if earlier.error and earlier.status == archive.FAILED else "")
            + f"; after fixing the cause, post it with `hub inbound replay {earlier.id}`")

"""The inbound archive: every document's payload as received, deduplicated by source key.

Each document keeps its own copy, as its codec cut it out of the delivery: every
character of its content, but not always every byte of the file (a flat IDoc's records
are kept one per line, without the padding blanks).

The dedupe key names the sender and the delivery (for an IDoc: message type, sending
partner, port and client, and the IDoc number), and the SHA-256 of the kept copy tells
what was sent under it:

- the same key with the same content is a **redelivery** (an ERP resending an IDoc, a
  shop repeating a webhook): counted on the first copy and otherwise ignored;
- the same key with other content is a **conflict**: the new version is kept too, as
  status ``conflict`` pointing at the first one (``conflict_of``), and is not posted
  until an administrator compares the two and replays the one that should count.

Nothing that arrives is ever dropped. Unique indexes (one original per key, one
conflicting version per key and content) settle a race between two processes taking
the same delivery: the loser's transaction fails and, run again, finds it received.
The kept payload is what ``hub inbound replay`` and audits read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.core.errors import NotFoundError
from hub.core.model.base import utcnow
from hub.core.store.bulk import insert_rows
from hub.core.store.tables import InboundPayloadRow, KeyMapRow

inbound = InboundPayloadRow.__table__

# Built once: an ingest runs these per chunk, and building a statement costs more than
# executing it on SQLite. Each condition repeats its partial index's, so the index is used.
_ORIGINALS = sa.select(
    inbound.c.dedupe_key, inbound.c.id, inbound.c.content_hash, inbound.c.status, inbound.c.error
).where(inbound.c.system == sa.bindparam("b_system"), inbound.c.conflict_of.is_(None),
        inbound.c.dedupe_key.in_(sa.bindparam("b_keys", expanding=True)))
_CONFLICTS = sa.select(
    inbound.c.dedupe_key, inbound.c.id, inbound.c.content_hash, inbound.c.status, inbound.c.error
).where(inbound.c.system == sa.bindparam("b_system"), inbound.c.conflict_of.is_not(None),
        inbound.c.dedupe_key.in_(sa.bindparam("b_keys", expanding=True)))
_COUNT_DUPLICATE = (
    inbound.update().where(inbound.c.id == sa.bindparam("b_id")).values(duplicates=inbound.c.duplicates + 1)
)
_HISTORY = sa.select(inbound.c.history).where(inbound.c.id == sa.bindparam("b_id"))
_UPDATE = inbound.update().where(inbound.c.id == sa.bindparam("b_id"))
KEYS_PER_QUERY = 500

RECEIVED = "received"
POSTED = "posted"
FAILED = "failed"
CONFLICT = "conflict"
WAITING = "waiting"
# FAILED and CONFLICT wait for an administrator (``FAILED_STATUSES``), WAITING for an object
# the hub does not know yet; none of them is purged, ``hub status`` counts them all
# (``ATTENTION_STATUSES``).


def content_hash(payload: bytes) -> str:
    """SHA-256 of a payload as hex: what tells a redelivery from a conflict."""
    return hashlib.sha256(payload).hexdigest()


@dataclass(frozen=True)
class Earlier:
    """A payload received before under some key: its id, content hash and how it ended."""

    id: int
    content_hash: str | None
    status: str
    error: str | None


@dataclass(frozen=True)
class ArchiveResult:
    """Where the payload is kept, and whether it was a redelivery or a conflicting version."""

    id: int
    duplicate: bool
    status: str
    conflict_of: int | None = None


def archive_inbound(
    conn: sa.Connection,
    system: str,
    document_kind: str,
    dedupe_key: str,
    content_type: str,
    payload: bytes,
    code: str | None = None,
) -> ArchiveResult:
    """Keep ``payload`` unless the same content was received before under (system, dedupe_key).

    A redelivery increments the first copy's ``duplicates`` counter and returns its id
    with ``duplicate=True``; the caller then skips processing. Other content under a key
    already taken is kept as a conflicting version (status ``conflict``, ``conflict_of``
    the first copy), which the caller must not process either.
    """
    digest = content_hash(payload)
    original = received_before(conn, system, [dedupe_key]).get(dedupe_key)
    if original is not None:
        same = original if original.content_hash == digest else \
            conflicting_versions(conn, system, [dedupe_key]).get((dedupe_key, digest))
        if same is not None:
            conn.execute(_COUNT_DUPLICATE, {"b_id": same.id})
            return ArchiveResult(same.id, True, same.status)
    now = utcnow()
    status = RECEIVED if original is None else CONFLICT
    text = "received" if original is None else conflict_text(original.id)
    inserted = conn.execute(inbound.insert(), {
        "system": system, "document_kind": document_kind, "dedupe_key": dedupe_key,
        "content_type": content_type, "payload": payload, "content_hash": digest,
        "conflict_of": None if original is None else original.id, "status": status, "duplicates": 0,
        "received_at": now, "history": [status_record(status, code, text, now)],
        "error": None if original is None else text,
    }).inserted_primary_key
    assert inserted is not None, "a single-row insert reports its primary key"
    return ArchiveResult(int(inserted[0]), False, status, None if original is None else original.id)


def conflict_text(original_id: int) -> str:
    """What a conflicting version's history and error say: what happened, and what to do."""
    return (f"conflict: payload {original_id} was received under the same key with other content;"
            f" both are kept and this one is not posted. Compare them with `hub inbound show ID`,"
            f" then post this version with `hub inbound replay ID`, or leave it")


def status_record(status: str, code: str | None, text: str, at: datetime | None = None) -> dict[str, Any]:
    """One entry of a payload's history (``code``: the sender's own code, e.g. IDoc 53)."""
    return {"status": status, "code": code, "text": text, "at": (at or utcnow()).isoformat()}


def set_status(
    conn: sa.Connection, payload_id: int, status: str, *, code: str | None = None,
    text: str = "", error: str | None = None, hub_id: str | None = None, mapping: str | None = None,
) -> None:
    """Record a new status of an archived payload and append it to its history."""
    history = conn.execute(_HISTORY, {"b_id": payload_id}).scalar_one()
    values: dict[str, Any] = {
        "status": status, "error": error,
        "history": [*history, status_record(status, code, error or text)],
    }
    if hub_id is not None:
        values["hub_id"] = hub_id
    if mapping is not None:
        values["mapping"] = mapping
    conn.execute(_UPDATE, {**values, "b_id": payload_id})


def versions_of(conn: sa.Connection, row: InboundPayloadRow) -> list[InboundPayloadRow]:
    """Every payload kept under ``row``'s key (its first copy and conflicting versions), oldest first."""
    same_key = (inbound.c.system == row.system, inbound.c.dedupe_key == row.dedupe_key)
    # One select per partial index: without its condition, neither index serves the key.
    rows = [*conn.execute(sa.select(inbound).where(*same_key, inbound.c.conflict_of.is_(None))),
            *conn.execute(sa.select(inbound).where(*same_key, inbound.c.conflict_of.is_not(None)))]
    return sorted((InboundPayloadRow.model_validate(found._mapping) for found in rows), key=lambda r: r.id or 0)


def record_outcome(conn: sa.Connection, payload_id: int, status: str, history: list[dict[str, Any]],
                   error: str | None, hub_id: str | None, mapping: str | None,
                   waiting_for: tuple[str, str, str] | None = None) -> None:
    """Write how processing a kept payload again ended: status, whole history, error,
    result, and what it waits for (nothing, once it posted or failed)."""
    values: dict[str, Any] = {"status": status, "history": history, "error": error,
                              **_waiting_columns(waiting_for)}
    if hub_id is not None:
        values["hub_id"] = hub_id
    if mapping is not None:
        values["mapping"] = mapping
    conn.execute(_UPDATE, {**values, "b_id": payload_id})


def load_payload(conn: sa.Connection, payload_id: int) -> InboundPayloadRow:
    """One archived payload with its metadata; NotFoundError if it is gone."""
    row = conn.execute(sa.select(inbound).where(inbound.c.id == payload_id)).first()
    if row is None:
        raise NotFoundError(f"no archived inbound payload with id {payload_id}")
    return InboundPayloadRow.model_validate(row._mapping)


@dataclass(frozen=True)
class ProcessedPayload:
    """A newly received payload together with how its processing ended, for one bulk write."""

    document_kind: str
    dedupe_key: str
    content_type: str
    payload: bytes
    content_hash: str
    status: str
    history: list[dict[str, Any]]
    error: str | None = None
    hub_id: str | None = None
    mapping: str | None = None
    conflict_of: int | None = None
    waiting_for: tuple[str, str, str] | None = None


def _waiting_columns(waiting_for: tuple[str, str, str] | None) -> dict[str, Any]:
    system, object_type, external_id = waiting_for or (None, None, None)
    return {"wait_system": system, "wait_object_type": object_type,
            "wait_external_id": None if external_id is None else external_id[:120],
            "waiting_since": None if waiting_for is None else utcnow()}


def _earlier(conn: sa.Connection, statement: sa.Select[Any], system: str,
             dedupe_keys: list[str]) -> list[sa.Row[Any]]:
    rows: list[sa.Row[Any]] = []
    for start in range(0, len(dedupe_keys), KEYS_PER_QUERY):
        rows += conn.execute(statement, {"b_system": system, "b_keys": dedupe_keys[start : start + KEYS_PER_QUERY]})
    return rows


def received_before(conn: sa.Connection, system: str, dedupe_keys: list[str]) -> dict[str, Earlier]:
    """dedupe key -> the first payload received under it from ``system``, for those received."""
    rows = _earlier(conn, _ORIGINALS, system, dedupe_keys)
    legacy = _hash_legacy(conn, [row.id for row in rows if row.content_hash is None])
    return {row.dedupe_key: Earlier(row.id, row.content_hash or legacy[row.id], row.status, row.error)
            for row in rows}


def _hash_legacy(conn: sa.Connection, ids: list[int]) -> dict[int, str]:
    """Hashes of payloads archived before hashes were kept, computed and stored now."""
    if not ids:
        return {}
    rows = conn.execute(sa.select(inbound.c.id, inbound.c.payload).where(inbound.c.id.in_(ids))).all()
    hashes = {row.id: content_hash(row.payload) for row in rows}
    conn.execute(_UPDATE, [{"b_id": payload_id, "content_hash": digest} for payload_id, digest in hashes.items()])
    return hashes


def conflicting_versions(conn: sa.Connection, system: str,
                         dedupe_keys: list[str]) -> dict[tuple[str, str | None], Earlier]:
    """(dedupe key, content hash) -> a conflicting version kept under one of ``dedupe_keys``."""
    return {(row.dedupe_key, row.content_hash): Earlier(row.id, row.content_hash, row.status, row.error)
            for row in _earlier(conn, _CONFLICTS, system, dedupe_keys)}


def keep_processed(conn: sa.Connection, system: str,
                   items: list[ProcessedPayload]) -> dict[tuple[str, str | None], int]:
    """Archive a chunk's new payloads with their final status; (dedupe key, hash) -> archive id."""
    if not items:
        return {}
    now = utcnow()
    insert_rows(conn, inbound, [
        {"system": system, "document_kind": p.document_kind, "dedupe_key": p.dedupe_key,
         "content_type": p.content_type, "payload": p.payload, "content_hash": p.content_hash,
         "conflict_of": p.conflict_of, "status": p.status, "error": p.error, "duplicates": 0,
         "received_at": now, "history": p.history, "hub_id": p.hub_id, "mapping": p.mapping,
         **_waiting_columns(p.waiting_for)}
        for p in items
    ])
    keys = list({p.dedupe_key for p in items})
    found: dict[tuple[str, str | None], int] = {
        (key, earlier.content_hash): earlier.id for key, earlier in received_before(conn, system, keys).items()}
    if any(p.conflict_of is not None for p in items):
        found.update({key: earlier.id for key, earlier in conflicting_versions(conn, system, keys).items()})
    return found


def count_redeliveries(conn: sa.Connection, payload_ids: list[int]) -> None:
    """Count one more redelivery for each id (an id may appear several times)."""
    if payload_ids:
        conn.execute(_COUNT_DUPLICATE, [{"b_id": payload_id} for payload_id in payload_ids])


def missing_objects(conn: sa.Connection, system: str, limit: int = 200) -> list[tuple[str, str]]:
    """(object type, external id) of ``system``'s objects that waiting documents need and
    the key map does not hold yet, those waited for longest first: what a plugin may ask
    its system for."""
    key_map = KeyMapRow.__table__
    known = sa.exists().where(key_map.c.system == inbound.c.wait_system,
                              key_map.c.object_type == inbound.c.wait_object_type,
                              key_map.c.external_id == inbound.c.wait_external_id)
    rows = conn.execute(
        sa.select(inbound.c.wait_object_type, inbound.c.wait_external_id,
                  sa.func.min(inbound.c.waiting_since).label("since"))
        .where(inbound.c.status == WAITING, inbound.c.wait_system == system, ~known)
        .group_by(inbound.c.wait_object_type, inbound.c.wait_external_id)
        .order_by(sa.literal_column("since"), inbound.c.wait_object_type, inbound.c.wait_external_id)
        .limit(limit))
    return [(row.wait_object_type, row.wait_external_id) for row in rows]

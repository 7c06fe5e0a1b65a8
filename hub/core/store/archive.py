"""The inbound archive: every document's payload as received, deduplicated by source key.

Each document keeps its own copy, as its codec cut it out of the delivery: every
character of its content, but not always every byte of the file (a flat IDoc's records
are kept one per line, without the padding blanks).

A source that redelivers (an ERP resending an IDoc, a shop repeating a webhook) hits
the unique (system, dedupe_key) constraint: the redelivery is counted and ignored, so
it is harmless. The kept payload is what ``hub replay`` and audits read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.core.errors import NotFoundError
from hub.core.model.base import utcnow
from hub.core.store.bulk import insert_rows
from hub.core.store.tables import InboundPayloadRow

inbound = InboundPayloadRow.__table__

# Built once: an ingest runs these per document, and building a statement costs more
# than executing it on SQLite.
_FIND = sa.select(inbound.c.id, inbound.c.status).where(
    inbound.c.system == sa.bindparam("b_system"), inbound.c.dedupe_key == sa.bindparam("b_dedupe_key")
)
_COUNT_DUPLICATE = (
    inbound.update().where(inbound.c.id == sa.bindparam("b_id")).values(duplicates=inbound.c.duplicates + 1)
)
_HISTORY = sa.select(inbound.c.history).where(inbound.c.id == sa.bindparam("b_id"))
_UPDATE = inbound.update().where(inbound.c.id == sa.bindparam("b_id"))

RECEIVED = "received"
POSTED = "posted"
FAILED = "failed"


@dataclass(frozen=True)
class ArchiveResult:
    """Where the payload is kept and whether it had been received before."""

    id: int
    duplicate: bool
    status: str


def archive_inbound(
    conn: sa.Connection,
    system: str,
    document_kind: str,
    dedupe_key: str,
    content_type: str,
    payload: bytes,
    code: str | None = None,
) -> ArchiveResult:
    """Keep ``payload`` unless (system, dedupe_key) was received before.

    A duplicate increments the first copy's ``duplicates`` counter and returns its id
    with ``duplicate=True``; the caller then skips processing.
    """
    existing = conn.execute(_FIND, {"b_system": system, "b_dedupe_key": dedupe_key}).first()
    if existing is not None:
        conn.execute(_COUNT_DUPLICATE, {"b_id": existing.id})
        return ArchiveResult(existing.id, True, existing.status)
    now = utcnow()
    new_id = conn.execute(inbound.insert(), {
        "system": system, "document_kind": document_kind, "dedupe_key": dedupe_key,
        "content_type": content_type, "payload": payload, "status": RECEIVED, "duplicates": 0,
        "received_at": now, "history": [status_record(RECEIVED, code, "received", now)],
    }).inserted_primary_key[0]
    return ArchiveResult(int(new_id), False, RECEIVED)


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
    status: str
    history: list[dict[str, Any]]
    error: str | None = None
    hub_id: str | None = None
    mapping: str | None = None


def received_before(conn: sa.Connection, system: str, dedupe_keys: list[str]) -> dict[str, int]:
    """dedupe key -> archive id for those of ``dedupe_keys`` already received from ``system``."""
    found: dict[str, int] = {}
    for start in range(0, len(dedupe_keys), 500):
        rows = conn.execute(sa.select(inbound.c.dedupe_key, inbound.c.id).where(
            inbound.c.system == system, inbound.c.dedupe_key.in_(dedupe_keys[start : start + 500])))
        found.update({row.dedupe_key: row.id for row in rows})
    return found


def keep_processed(conn: sa.Connection, system: str, items: list[ProcessedPayload]) -> dict[str, int]:
    """Archive a chunk's new payloads with their final status; dedupe key -> archive id."""
    if not items:
        return {}
    now = utcnow()
    insert_rows(conn, inbound, [
        {"system": system, "document_kind": p.document_kind, "dedupe_key": p.dedupe_key,
         "content_type": p.content_type, "payload": p.payload, "status": p.status, "error": p.error,
         "duplicates": 0, "received_at": now, "history": p.history, "hub_id": p.hub_id, "mapping": p.mapping}
        for p in items
    ])
    return received_before(conn, system, [p.dedupe_key for p in items])


def count_redeliveries(conn: sa.Connection, payload_ids: list[int]) -> None:
    """Count one more redelivery for each id (an id may appear several times)."""
    if payload_ids:
        conn.execute(_COUNT_DUPLICATE, [{"b_id": payload_id} for payload_id in payload_ids])

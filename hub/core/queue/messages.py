"""The message types of the queue: what callers enqueue, what a transport receives,
what it answers, and the status records kept in each message's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from hub.core.queue.clock import iso_utc


def utcnow() -> datetime:
    """The current time in UTC.

    The queue's own clock, so that worker processes need not import the canonical
    model package (``hub.core.model``) just for it: a restarted worker is back sooner.
    """
    return datetime.now(UTC)


# Status of a message row.
QUEUED = "queued"
RETRYING = "retrying"
BLOCKED = "blocked"
DELIVERED = "delivered"
CONFIRMED = "confirmed"
SKIPPED = "skipped"
# Status records that only appear in a message's history.
RUNNING = "running"
REPLAYED = "replayed"

MESSAGE_STATUSES = (QUEUED, RETRYING, BLOCKED, DELIVERED, CONFIRMED, SKIPPED)
FINISHED_STATUSES = (DELIVERED, CONFIRMED, SKIPPED)
OPEN_STATUSES = (QUEUED, RETRYING, BLOCKED)


@dataclass(frozen=True)
class NewMessage:
    """A message to enqueue for one system.

    ``queue`` names the object whose changes must arrive in order (dependent objects
    may share their parent's queue). ``idempotency_key`` must be unique; when None it
    becomes ``QUEUE#SEQ``. ``transport`` (``NAME`` within the system's plugin) may be
    None when the system has one transport for ``doc_type``.
    """

    system: str
    queue: str
    kind: str
    doc_type: str
    hub_id: str
    version: int
    payload: dict[str, Any]
    idempotency_key: str | None = None
    transport: str | None = None


@dataclass(frozen=True)
class OutboundMessage:
    """What a transport's ``send`` receives.

    ``attempt`` counts from 1 (recorded attempts so far + 1); ``external_ids`` are the
    ids the target system already has for ``hub_id`` (from the key map, read at send
    time), so an update can address the peer's own number.
    """

    id: int
    queue: str
    seq: int
    system: str
    kind: str
    doc_type: str
    hub_id: str
    version: int
    payload: dict[str, Any]
    idempotency_key: str
    attempt: int
    external_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeliveryResult:
    """What a transport answers on success.

    ``external_ids``: ids the peer assigned to the object (an ERP customer or order
    number); they go into the key map (system, doc_type) in the same transaction that
    marks the message delivered. ``confirmed``: the peer already confirmed processing,
    not just receipt. ``detail``: a short note kept in the history.
    """

    external_ids: tuple[str, ...] = ()
    confirmed: bool = False
    detail: str | None = None


def status_record(
    status: str,
    at: datetime,
    attempt: int | None = None,
    duration_ms: float | None = None,
    error: str | None = None,
    detail: str | None = None,
) -> dict[str, Any]:
    """One history entry (JSON-ready); empty fields are left out."""
    record: dict[str, Any] = {"status": status, "at": at.isoformat()}
    if attempt is not None:
        record["attempt"] = attempt
    if duration_ms is not None:
        record["duration_ms"] = round(duration_ms, 3)
    if error is not None:
        record["error"] = error
    if detail is not None:
        record["detail"] = detail
    return record


def attempt_json(
    status: str,
    at: float,
    attempt: int,
    duration_ms: float | None = None,
    error: str | None = None,
    detail: str | None = None,
) -> str:
    """``status_record`` of a delivery attempt as compact JSON text, ``at`` in epoch
    seconds: the worker writes two per message, so they are built as text directly."""
    text = f'{{"status":"{status}","at":"{iso_utc(at)}","attempt":{attempt}'
    if duration_ms is not None:
        text += f',"duration_ms":{round(duration_ms, 3)!r}'
    if error is not None:
        text += f',"error":{orjson.dumps(error).decode()}'
    if detail is not None:
        text += f',"detail":{orjson.dumps(detail).decode()}'
    return text + "}"

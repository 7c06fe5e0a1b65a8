"""Idempotency keys of the REST API's creates: the same request again gets the same
answer and writes nothing; another request under a key already used is refused.

A request is "the same" when method, path and body are: the body is compared as the
JSON it holds (key order and spacing do not count), or as bytes when it is no JSON.
The key's row is written in the transaction that writes the document, so a create
that failed left no key behind and may be sent again under the same key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.core.errors import DocumentError
from hub.core.restapi.tables import idempotency_keys

MAX_KEY_LENGTH = 200


class IdempotencyKeyReused(DocumentError):
    """An idempotency key came back with another request than the one it was first used for."""

    def __init__(self, key: str) -> None:
        super().__init__("request", "Idempotency-Key",
                         f"key {key!r} was used before for a different request; nothing was applied"
                         " (use a new key for a new request)")


@dataclass(frozen=True)
class Remembered:
    """The answer given to the first request under a key."""

    status: int
    response: dict[str, Any]
    hub_id: str | None


@dataclass(frozen=True)
class KeyedRequest:
    """A request under an idempotency key, as it is compared and kept."""

    api_key_id: str
    key: str
    method: str
    path: str
    body: bytes

    @property
    def digest(self) -> str:
        """SHA-256 over method, path and the body's content."""
        try:
            content = json.dumps(json.loads(self.body), sort_keys=True, separators=(",", ":")).encode()
        except (ValueError, RecursionError):
            content = self.body
        hashed = hashlib.sha256(f"{self.method} {self.path}\n".encode())
        hashed.update(content)
        return hashed.hexdigest()


def check_key(key: str) -> str:
    """``key`` if it may serve as an idempotency key (1 to 200 printable ASCII characters)."""
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise DocumentError("request", "Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters")
    return key


def recall(conn: sa.Connection, request: KeyedRequest) -> Remembered | None:
    """The answer kept for ``request``'s key, None for a new key; IdempotencyKeyReused
    when the key was used for another request."""
    c = idempotency_keys.c
    row = conn.execute(sa.select(c.request_hash, c.status, c.response, c.hub_id).where(
        c.api_key_id == request.api_key_id, c.idempotency_key == request.key)).one_or_none()
    if row is None:
        return None
    if row.request_hash != request.digest:
        raise IdempotencyKeyReused(request.key)
    return Remembered(row.status, dict(row.response), row.hub_id)


def remember(conn: sa.Connection, request: KeyedRequest, answer: Remembered, now: datetime) -> None:
    """Keep ``answer`` for ``request``'s key, in the caller's transaction (the one that
    wrote the document). A concurrent first use of the same key makes one of the two
    transactions fail on the unique key; the caller runs it again and recalls the answer."""
    conn.execute(idempotency_keys.insert().values(
        api_key_id=request.api_key_id, idempotency_key=request.key, request_hash=request.digest,
        method=request.method, path=request.path, request=request.body, status=answer.status,
        response=answer.response, hub_id=answer.hub_id, created_at=now))

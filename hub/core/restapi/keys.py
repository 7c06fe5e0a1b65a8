"""Keys of the REST API's clients: created by an administrator, printed once, kept hashed.

A key is random (256 bits) and stored only as its SHA-256, so a copy of the database
gives no one a client's key. Each key has one scope, and the scopes are ordered:
``read`` may call every GET, ``write`` also creates and updates documents, ``admin``
also acts on the replication queues (retry, skip, replay). Looking a key up costs one
hash and one indexed read; a genuine key is then trusted for ``[http]
api_key_cache_seconds`` (default ``KEY_CACHE_SECONDS``) per process, so a busy client
does not pay even that. That is also the bound on revocation: the process that revokes
a key forgets it at once, every other process (the ``hub run`` serving the API, when
``hub api-key revoke`` ran in a shell) refuses it within that time.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa

from hub.core.errors import DocumentError, NotFoundError
from hub.core.model.base import new_hub_id, utcnow
from hub.core.restapi.tables import api_keys

Scope = Literal["read", "write", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")
"""Every scope, weakest first: a key's scope includes every scope before it."""
PREFIX = "hubk_"
MAX_KEY_LENGTH = 100
KEY_CACHE_SECONDS = 5.0
_SHOWN = (api_keys.c.id, api_keys.c.name, api_keys.c.scope, api_keys.c.created_at, api_keys.c.revoked_at)


def grants(held: str, wanted: Scope) -> bool:
    """Whether a key of scope ``held`` may do what needs ``wanted``."""
    return held in SCOPES and SCOPES.index(held) >= SCOPES.index(wanted)


@dataclass(frozen=True)
class ApiClient:
    """Who called, as far as the API cares: the key's id, name and scope."""

    key_id: str
    name: str
    scope: str


@dataclass(frozen=True)
class CreatedKey:
    """A new key: its id (to name it later), and the secret itself, shown only now."""

    id: str
    name: str
    scope: str
    key: str


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown of a key: never the key, nor its hash."""

    id: str
    name: str
    scope: str
    created_at: datetime
    revoked_at: datetime | None

    def as_dict(self) -> dict[str, str | None]:
        """The row of ``hub api-key list --json``."""
        return {"id": self.id, "name": self.name, "scope": self.scope, "created_at": self.created_at.isoformat(),
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None}


def digest(key: str) -> str:
    """SHA-256 of a key, as stored."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(engine: sa.Engine, scope: str, name: str) -> CreatedKey:
    """A new key of ``scope`` for ``name``; only its hash is kept."""
    if scope not in SCOPES:
        raise DocumentError("api key", "scope", f"{scope!r} is not one of {', '.join(SCOPES)}")
    name = name.strip()
    if not name or len(name) > 80:
        raise DocumentError("api key", "name", "a name is 1 to 80 characters")
    key = PREFIX + secrets.token_urlsafe(32)
    key_id = new_hub_id("ak")
    with engine.begin() as conn:
        conn.execute(api_keys.insert().values(id=key_id, name=name, scope=scope, key_hash=digest(key),
                                              created_at=utcnow(), revoked_at=None))
    return CreatedKey(key_id, name, scope, key)


def list_keys(conn: sa.Connection) -> list[KeyInfo]:
    """Every key, revoked ones too, oldest first."""
    rows = conn.execute(sa.select(*_SHOWN).order_by(api_keys.c.created_at, api_keys.c.id)).all()
    return [KeyInfo(*row) for row in rows]


def revoke_key(engine: sa.Engine, key_id: str) -> KeyInfo:
    """Revoke the key ``key_id`` (NotFoundError when there is none); revoking a revoked
    key changes nothing and keeps its first date."""
    with engine.begin() as conn:
        conn.execute(api_keys.update().where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                     .values(revoked_at=utcnow()))
        row = conn.execute(sa.select(*_SHOWN).where(api_keys.c.id == key_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no REST API key has the id {key_id!r} (see hub api-key list)")
    BOOK.forget(key_id)
    return KeyInfo(*row)


def client_of(conn: sa.Connection, key: str) -> ApiClient | None:
    """The client a presented key belongs to; None for an unknown or revoked key."""
    if not key.startswith(PREFIX) or len(key) > MAX_KEY_LENGTH:
        return None
    row = conn.execute(sa.select(api_keys.c.id, api_keys.c.name, api_keys.c.scope).where(
        api_keys.c.key_hash == digest(key), api_keys.c.revoked_at.is_(None))).one_or_none()
    return None if row is None else ApiClient(row.id, row.name, row.scope)


class KeyBook:
    """The genuine keys this process read lately (by their hash), for ``KEY_CACHE_SECONDS``."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[ApiClient, float]] = {}
        self._forgotten = 0
        self._lock = threading.Lock()

    def remembered(self, key: str) -> ApiClient | None:
        """The client of ``key`` if it was read genuine lately (no database read)."""
        with self._lock:
            hit = self._known.get(digest(key))
        return hit[0] if hit is not None and time.monotonic() < hit[1] else None

    def client_of(self, engine: sa.Engine, key: str, cache_seconds: float = KEY_CACHE_SECONDS) -> ApiClient | None:
        """The client of ``key``: from memory, or read (and then remembered for
        ``cache_seconds``, ``[http] api_key_cache_seconds``)."""
        found = self.remembered(key)
        if found is not None:
            return found
        with self._lock:
            forgotten = self._forgotten
        with engine.connect() as conn:
            found = client_of(conn, key)
        if found is not None:
            with self._lock:
                if forgotten == self._forgotten:  # a read racing a revocation here is not kept
                    self._known[digest(key)] = (found, time.monotonic() + cache_seconds)
        return found

    def forget(self, key_id: str) -> None:
        """Stop trusting the key ``key_id`` in this process (it was just revoked)."""
        with self._lock:
            self._known = {d: hit for d, hit in self._known.items() if hit[0].key_id != key_id}
            self._forgotten += 1


BOOK = KeyBook()
"""The keys this process trusts; shared by the API and ``revoke_key``."""

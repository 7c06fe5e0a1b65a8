"""Store API keys: each till of a store sends ``Authorization: Bearer KEY``.

A key is random (256 bits), printed once when it is created and stored only as its
SHA-256, so a copy of the database gives no one a till's key. A key is valid for one
store only: the till API answers 403 when a request names another store. Looking a
key up costs one hash and one indexed read; a genuine key is then trusted for
``key_cache_seconds`` (default 5) per process so a busy till does not pay even that.
That is also the bound on revocation: the process that revokes a key forgets it at
once, every other process reads it again, and refuses it, within ``key_cache_seconds``.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from hub.api import PluginContext, new_hub_id, utcnow
from plugins.loyalty_pos.settings import LoyaltyPosSettings
from plugins.loyalty_pos.store.tables import api_keys

PREFIX = "lpk_"
_SHOWN = (api_keys.c.id, api_keys.c.store, api_keys.c.created_at, api_keys.c.revoked_at)  # as KeyInfo's fields


class UnknownKey(LookupError):
    """No API key has the id an administrator named."""


@dataclass(frozen=True)
class CreatedKey:
    """A new key: its id (to name it later) and the secret itself, shown only now."""

    id: str
    store: str
    key: str


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown of a key: never the key, nor its hash."""

    id: str
    store: str
    created_at: datetime
    revoked_at: datetime | None

    def as_dict(self) -> dict[str, str | None]:
        """The row of ``hub loyalty api-key list --json``."""
        return {"id": self.id, "store": self.store, "created_at": self.created_at.isoformat(),
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None}


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(context: PluginContext, store: str) -> CreatedKey:
    """A new key for ``store``; only its hash is kept."""
    if not store.strip() or len(store) > 40:
        raise ValueError("a store id is 1 to 40 characters")
    key = PREFIX + secrets.token_urlsafe(32)
    key_id = new_hub_id("lk")
    with context.transaction() as tx:
        tx.connection.execute(api_keys.insert().values(
            id=key_id, store=store, key_hash=_digest(key), created_at=utcnow(), revoked_at=None))
    return CreatedKey(key_id, store, key)


def list_keys(context: PluginContext) -> list[KeyInfo]:
    """Every key, revoked ones too, by store and then age."""
    with context.reading() as tx:
        rows = tx.connection.execute(sa.select(*_SHOWN).order_by(api_keys.c.store, api_keys.c.created_at,
                                                                  api_keys.c.id)).all()
    return [KeyInfo(*row) for row in rows]


def revoke_key(context: PluginContext, key_id: str) -> KeyInfo:
    """Revoke the key ``key_id`` (UnknownKey when there is none) and forget it in this
    process at once. Revoking a revoked key changes nothing and keeps its first date."""
    with context.transaction() as tx:
        conn = tx.connection
        conn.execute(api_keys.update().where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                     .values(revoked_at=utcnow()))
        row = conn.execute(sa.select(*_SHOWN).where(api_keys.c.id == key_id)).one_or_none()
    if row is None:
        raise UnknownKey(f"no API key has the id {key_id!r} (see hub loyalty api-key list)")
    BOOK.forget(key_id)
    return KeyInfo(*row)


class KeyBook:
    """Which store a presented key belongs to (None for an unknown or revoked key)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[str, str, float]] = {}
        self._forgotten = 0
        self._lock = threading.Lock()

    def remembered(self, key: str) -> str | None:
        """The store of ``key`` if it was read genuine less than ``key_cache_seconds`` ago
        (no database read)."""
        with self._lock:
            hit = self._known.get(_digest(key))
        return hit[0] if hit is not None and time.monotonic() < hit[2] else None

    def forget(self, key_id: str) -> None:
        """Stop trusting the key ``key_id`` in this process (it was just revoked)."""
        with self._lock:
            self._known = {digest: hit for digest, hit in self._known.items() if hit[1] != key_id}
            self._forgotten += 1

    def store_of(self, context: PluginContext, key: str) -> str | None:
        """The store of ``key``, from memory when it was read in the last ``key_cache_seconds``."""
        if not key.startswith(PREFIX) or len(key) > 100:
            return None
        remembered = self.remembered(key)
        if remembered is not None:
            return remembered
        digest = _digest(key)
        until = time.monotonic() + context.settings_as(LoyaltyPosSettings).key_cache_seconds
        with self._lock:
            forgotten = self._forgotten
        with context.reading() as tx:
            found = tx.connection.execute(sa.select(api_keys.c.store, api_keys.c.id).where(
                api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None))).one_or_none()
        if found is None:
            return None
        with self._lock:
            if forgotten == self._forgotten:  # a read racing a revocation here is not kept
                self._known[digest] = (found.store, found.id, until)
        return str(found.store)


BOOK = KeyBook()
"""The keys this process trusts; shared by the till API and ``revoke_key``."""

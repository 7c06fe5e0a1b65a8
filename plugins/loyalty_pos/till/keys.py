"""Store API keys: each till of a store sends ``Authorization: Bearer KEY``.

A key is random (256 bits), printed once when it is created and stored only as its
SHA-256, so a copy of the database gives no one a till's key. A key is valid for one
store only: the till API answers 403 when a request names another store. Looking a
key up costs one hash and one indexed read; genuine keys are remembered for a minute
per process so a busy till does not pay even that (a key is never removed in less).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa

from hub.api import PluginContext, new_hub_id, utcnow
from plugins.loyalty_pos.store.tables import api_keys

PREFIX = "lpk_"
_REMEMBER_S = 60.0


@dataclass(frozen=True)
class CreatedKey:
    """A new key: its id (to name it later) and the secret itself, shown only now."""

    id: str
    store: str
    key: str


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


class KeyBook:
    """Which store a presented key belongs to (None for an unknown or revoked key)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def remembered(self, key: str) -> str | None:
        """The store of ``key`` if it was seen genuine in the last minute (no database read)."""
        with self._lock:
            hit = self._known.get(_digest(key))
        return hit[0] if hit is not None and time.monotonic() - hit[1] < _REMEMBER_S else None

    def store_of(self, context: PluginContext, key: str) -> str | None:
        """The store of ``key``, from memory when it was seen in the last minute."""
        if not key.startswith(PREFIX) or len(key) > 100:
            return None
        remembered = self.remembered(key)
        if remembered is not None:
            return remembered
        digest = _digest(key)
        now = time.monotonic()
        with context.reading() as tx:
            store = tx.connection.execute(sa.select(api_keys.c.store).where(
                api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None))).scalar_one_or_none()
        if store is not None:
            with self._lock:
                self._known[digest] = (store, now)
        return store

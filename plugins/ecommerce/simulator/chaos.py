"""Trouble on demand: what an impolite shop does to its webhooks and its REST clients.

- ``duplicate``, ``reorder``, ``drop``: fractions of webhook deliveries sent twice, held
  back behind the next delivery, or never sent; drawn from a generator seeded by
  ``seed``, so a run can be repeated;
- ``throttle_next``: that many REST calls answered 429 with ``Retry-After: retry_after``;
- ``time_scale``: a factor on the platforms' retry schedule (Shopify's 8 retries over
  about four hours take about 1.5 s at 0.0001).

Shopify's own rate limit (a leaky bucket of 40 calls, 2 per second, reported in
``X-Shopify-Shop-Api-Call-Limit``) is always on; ``CallBucket`` keeps it per shop.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import asdict, dataclass, fields
from typing import Any

from plugins.ecommerce.simulator.state import SimError

_FRACTIONS = ("duplicate", "reorder", "drop")


@dataclass
class ChaosSettings:
    """The current trouble; all off by default."""

    seed: int = 0
    duplicate: float = 0.0
    reorder: float = 0.0
    drop: float = 0.0
    throttle_next: int = 0
    retry_after: float = 2.0
    time_scale: float = 1.0


class Chaos:
    """The chaos settings with their seeded generator, safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.settings = ChaosSettings()
        self._rng = random.Random(0)

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change some settings (a new ``seed`` restarts the generator); 422 on a bad value."""
        known = {f.name: f.type for f in fields(ChaosSettings)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise SimError(f"unknown chaos setting(s): {', '.join(unknown)}")
        with self._lock:
            candidate = ChaosSettings(**{**asdict(self.settings), **changes})
            for name in _FRACTIONS:
                value = getattr(candidate, name)
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                    raise SimError(f"{name} is a fraction from 0 to 1")
            for name in ("retry_after", "time_scale"):
                value = getattr(candidate, name)
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise SimError(f"{name} must be a number of at least 0")
            for name in ("seed", "throttle_next"):
                value = getattr(candidate, name)
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise SimError(f"{name} must be a whole number of at least 0")
            self.settings = candidate
            if "seed" in changes:
                self._rng = random.Random(candidate.seed)
            return asdict(candidate)

    def snapshot(self) -> dict[str, Any]:
        """The current settings."""
        with self._lock:
            return asdict(self.settings)

    def draw(self, name: str) -> bool:
        """Whether this delivery gets the trouble ``name`` (duplicate, reorder, drop)."""
        with self._lock:
            fraction = getattr(self.settings, name)
            return fraction > 0 and self._rng.random() < fraction

    def throttle(self) -> float | None:
        """The Retry-After of a forced 429 for this REST call, or None when it goes through."""
        with self._lock:
            if self.settings.throttle_next <= 0:
                return None
            self.settings.throttle_next -= 1
            return self.settings.retry_after

    def scaled(self, seconds: float) -> float:
        """A platform's retry delay after the time scale."""
        with self._lock:
            return seconds * self.settings.time_scale


class CallBucket:
    """Shopify's leaky bucket per shop: 40 calls, leaking 2 per second."""

    SIZE = 40
    LEAK_PER_SECOND = 2.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._level: dict[str, tuple[float, float]] = {}

    def take(self, shop: str) -> tuple[bool, int]:
        """Take one call for ``shop``: (allowed, calls in the bucket afterwards)."""
        with self._lock:
            now = time.monotonic()
            level, since = self._level.get(shop, (0.0, now))
            level = max(0.0, level - (now - since) * self.LEAK_PER_SECOND)
            if level + 1 > self.SIZE:
                self._level[shop] = (level, now)
                return False, self.SIZE
            self._level[shop] = (level + 1, now)
            return True, int(level + 1)

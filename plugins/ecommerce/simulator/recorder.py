"""What the hub pushed back to the simulated shops, kept for tests and the demo to read.

Every write the hub makes through a shop's REST API is recorded as it was understood:
fulfilments with carrier and tracking number, inventory levels per SKU and location,
variant and product prices, WooCommerce order statuses and product stock. Records carry
a sequence number, so a reader can ask only for what came after what it has seen.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any


class Recorder:
    """The recorded pushes of all shops, in the order they arrived."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[dict[str, Any]] = []

    def add(self, shop: str, platform: str, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Record one push; returns the record."""
        with self._lock:
            record = {"seq": len(self._records) + 1, "shop": shop, "platform": platform, "kind": kind,
                      "at": datetime.now(UTC).isoformat(), **fields}
            self._records.append(record)
            return dict(record)

    def records(self, shop: str | None = None, kind: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        """Copies of the records, of one shop and kind if given, with a sequence above ``after``."""
        with self._lock:
            return [dict(r) for r in self._records[after:]
                    if (shop is None or r["shop"] == shop) and (kind is None or r["kind"] == kind)]

"""Key-map lookups of one chunk of inbound documents, asked together and kept."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from hub.core.mapping.keys import LookupKey
from hub.core.store import keymap


class ChunkLookup:
    """Key-map lookups for one chunk, kept: an order names the same customer several times.

    ``prefetch`` answers every key the chunk's documents will look up with one query per
    object type; a key it did not foresee is asked on its own and kept as well.
    """

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.known: dict[LookupKey, str | None] = {}

    def prefetch(self, keys: Iterable[LookupKey]) -> None:
        """Ask the store once per (system, object type) for every key not yet known."""
        wanted: dict[tuple[str, str], list[str]] = {}
        for system, object_type, external_id in keys:
            if (system, object_type, external_id) not in self.known:
                wanted.setdefault((system, object_type), []).append(external_id)
        for (system, object_type), ids in wanted.items():
            found = keymap.lookup_many(self.conn, system, object_type, ids)
            for external_id in ids:
                self.known[(system, object_type, external_id)] = found.get(external_id)

    def forget(self) -> None:
        """Drop every kept answer (after something that may have changed the key map)."""
        self.known.clear()

    def __call__(self, system: str, object_type: str, external_id: str) -> str | None:
        key = (system, object_type, external_id)
        try:
            return self.known[key]
        except KeyError:
            found = self.known[key] = keymap.lookup(self.conn, system, object_type, external_id)
            return found

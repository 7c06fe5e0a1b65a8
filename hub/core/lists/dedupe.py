"""The duplicate check of a list's batch, through the hub's matcher (``hub.core.matching``).

Each mapped row comes as a ``PartnerProfile`` (its ``MatchRecord`` and blocking keys,
made once by the importer and handed on to the upsert); ``find_matches`` finds its best match among
the partners the store holds and the rows before it in the batch (rows of earlier
batches are partners in the store by then, so the whole list is checked against
itself), and the matching settings' two thresholds decide: link, review or new.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from hub.core.lists.plan import Match
from hub.core.masterdata.duplicates import PartnerProfile
from hub.core.masterdata.matchkeys import KeyHashes, partner_count
from hub.core.matching.find import find_matches
from hub.core.matching.settings import MatchingSettings


class Deduplicator:
    """Finds the best match of each row of a batch, with the installation's thresholds."""

    def __init__(self, settings: MatchingSettings) -> None:
        self.settings = settings
        self.population: int | None = None
        """How many partners the store holds (the matcher's prior depends on it): counted
        once, then kept up to date by the importer (``created``), not counted per batch."""

    def matches(self, conn: sa.Connection, profiles: Sequence[PartnerProfile], hashes: KeyHashes) -> list[Match]:
        """One match per profile, in order (``hashes``: kept for the upsert that stores the keys)."""
        if not profiles:
            return []
        if self.population is None:
            self.population = partner_count(conn)
        results = find_matches(conn, [p.record for p in profiles], settings=self.settings,
                               population=self.population, keys=[p.keys() for p in profiles], hashes=hashes)
        return [Match(r.decision.value, r.probability, r.hub_id, r.batch_row) for r in results]

    def created(self, count: int) -> None:
        """``count`` more partners are in the store now."""
        if self.population is not None:
            self.population += count

"""The duplicate check of a list's batch, through the hub's matcher (``hub.core.matching``).

Each mapped row becomes a ``MatchRecord``; ``find_matches`` finds its best match among
the partners the store holds and the rows before it in the batch (rows of earlier
batches are partners in the store by then, so the whole list is checked against
itself), and the matching settings' two thresholds decide: link, review or new.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from hub.core.lists.plan import Match
from hub.core.masterdata.matchkeys import partner_count
from hub.core.matching.find import find_matches
from hub.core.matching.record import MatchRecord
from hub.core.matching.settings import MatchingSettings
from hub.core.model.partner import Partner


class Deduplicator:
    """Finds the best match of each row of a batch, with the installation's thresholds."""

    def __init__(self, settings: MatchingSettings) -> None:
        self.settings = settings
        self.population: int | None = None
        """How many partners the store holds (the matcher's prior depends on it): counted
        once, then kept up to date by the importer (``created``), not counted per batch."""

    def matches(self, conn: sa.Connection, partners: Sequence[Partner]) -> list[Match]:
        """One match per partner, in order."""
        if not partners:
            return []
        if self.population is None:
            self.population = partner_count(conn)
        results = find_matches(conn, [MatchRecord.from_partner(p) for p in partners], settings=self.settings,
                               population=self.population)
        return [Match(r.decision.value, r.probability, r.hub_id, r.batch_row) for r in results]

    def created(self, count: int) -> None:
        """``count`` more partners are in the store now."""
        if self.population is not None:
            self.population += count

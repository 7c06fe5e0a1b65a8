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
from hub.core.matching.find import find_matches
from hub.core.matching.record import MatchRecord
from hub.core.matching.settings import MatchingSettings
from hub.core.model.partner import Partner


class Deduplicator:
    """Finds the best match of each row of a batch, with the installation's thresholds."""

    def __init__(self, settings: MatchingSettings) -> None:
        self.settings = settings

    def matches(self, conn: sa.Connection, partners: Sequence[Partner]) -> list[Match]:
        """One match per partner, in order."""
        if not partners:
            return []
        results = find_matches(conn, [MatchRecord.from_partner(p) for p in partners], settings=self.settings)
        return [Match(r.decision.value, r.probability, r.hub_id, r.batch_row) for r in results]

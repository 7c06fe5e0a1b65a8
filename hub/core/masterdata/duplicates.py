"""Duplicate check for partners, on the matching method of ``hub.core.matching``.

Blocking keys (stored in ``partner_match_keys``) make the check cheap: a partner is only
compared with partners that share a key (see ``hub.core.matching.blocking``). The
Fellegi-Sunter model then gives each candidate pair a match probability with its
evidence (``hub.core.matching.model``). The list import, ``hub partner duplicates`` and
the check run on every partner upsert all score with this one method.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hub.core.matching.blocking import MatchKey, blocking_keys
from hub.core.matching.model import default_model
from hub.core.matching.record import MatchRecord

__all__ = ["DuplicateCandidate", "MatchKey", "PartnerProfile", "rank_candidates", "score"]


class PartnerProfile:
    """A partner's match record and its blocking keys (made on first use: most partners
    of a batch are never a candidate of another)."""

    __slots__ = ("record", "_keys")

    def __init__(self, record: MatchRecord) -> None:
        self.record = record
        self._keys: frozenset[MatchKey] | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> PartnerProfile:
        """Profile of a partner's JSON data."""
        return cls(MatchRecord.from_data(data))

    @property
    def emails(self) -> frozenset[str]:
        """The partner's e-mail addresses, lower-cased."""
        return self.record.emails

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PartnerProfile):
            return NotImplemented
        return self.record == other.record

    def __hash__(self) -> int:
        return hash(self.record)

    def __repr__(self) -> str:
        return f"PartnerProfile({self.record!r})"

    def keys(self) -> frozenset[MatchKey]:
        """Blocking keys: partners sharing any one are compared."""
        if self._keys is None:
            self._keys = blocking_keys(self.record)
        return self._keys


@dataclass(frozen=True)
class DuplicateCandidate:
    """Another partner that is probably the same one, with the evidence."""

    hub_id: str
    score: float
    reasons: tuple[str, ...] = field(default_factory=tuple)


def score(a: PartnerProfile, b: PartnerProfile, population: int) -> tuple[float, tuple[str, ...]]:
    """The match probability of two partners (0..1, three decimals), and why; ``b`` is
    one of ``population`` partners (the store's), which sets the prior."""
    scored = default_model().score(a.record, b.record, population)
    return round(scored.probability, 3), scored.evidence


def rank_candidates(
    profile: PartnerProfile,
    others: Iterable[tuple[str, PartnerProfile]],
    threshold: float,
    population: int,
) -> list[DuplicateCandidate]:
    """Candidates at or above ``threshold``, best first (``population``: see ``score``)."""
    found = []
    for hub_id, other in others:
        value, reasons = score(profile, other, population)
        if value >= threshold:
            found.append(DuplicateCandidate(hub_id, value, reasons))
    return sorted(found, key=lambda c: (-c.score, c.hub_id))

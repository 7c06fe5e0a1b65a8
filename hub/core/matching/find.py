"""``find_matches``: the best-matching partner of each record of a batch, from the store.

One batch at a time: the blocking keys of all its records are looked up in
``partner_match_keys`` in one query, the candidates' stored data read in another, and
every candidate pair scored in Python. Only the batch and its candidates are ever in
memory, never the store's partners, so a list of millions checks against millions of
partners in constant memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from hub.core.masterdata import matchkeys
from hub.core.matching.blocking import EXACT_KINDS, MAX_FUZZY_HOLDERS, MatchKey, blocking_keys
from hub.core.matching.model import MatchModel, MatchScore, default_model
from hub.core.matching.record import MatchRecord
from hub.core.matching.settings import MatchingSettings


class Decision(StrEnum):
    """What the thresholds make of a row's best match."""

    link = "link"
    review = "review"
    new = "new"


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The best match of one record: a stored partner (``hub_id``) or an earlier record of
    the same batch (``batch_row``, its index), or neither; its probability, the decision
    the thresholds make of it, the evidence, and how many candidates were scored."""

    decision: Decision
    probability: float = 0.0
    hub_id: str | None = None
    batch_row: int | None = None
    evidence: tuple[str, ...] = ()
    candidates: int = 0


class CandidateIndex:
    """Blocking keys -> holders, in memory: the records of one batch (or, for the bench,
    of a whole list) that later records of it are compared with."""

    def __init__(self) -> None:
        self._holders: dict[MatchKey, list[int]] = defaultdict(list)

    def add(self, ref: int, keys: Iterable[MatchKey]) -> None:
        """Make ``ref`` a holder of ``keys``."""
        for key in keys:
            self._holders[key].append(ref)

    def candidates(self, keys: Iterable[MatchKey], limit: int = MAX_FUZZY_HOLDERS) -> set[int]:
        """Holders of any of ``keys``; a fuzzy key with more than ``limit`` holders is skipped."""
        found: set[int] = set()
        for key in keys:
            held = self._holders.get(key)
            if held and (len(held) <= limit or key[0] in EXACT_KINDS):
                found.update(held)
        return found


def decide(probability: float, settings: MatchingSettings) -> Decision:
    """Link, review or new, by the two thresholds."""
    if probability >= settings.link_threshold:
        return Decision.link
    if probability >= settings.review_threshold:
        return Decision.review
    return Decision.new


def best_match(record: MatchRecord, stored: Iterable[tuple[str, MatchRecord]],
               earlier: Iterable[tuple[int, MatchRecord]], model: MatchModel,
               settings: MatchingSettings, population: int) -> MatchResult:
    """Score ``record`` against stored partners and earlier batch records, among
    ``population`` records it is matched against in all; the best wins (the first seen
    among equals, stored partners before batch records)."""
    best: tuple[float, str | None, int | None, MatchScore | None] = (-1.0, None, None, None)
    count = 0
    for hub_id, other in stored:
        count += 1
        score = model.score(record, other, population)
        if score.probability > best[0]:
            best = (score.probability, hub_id, None, score)
    for row, other in earlier:
        count += 1
        score = model.score(record, other, population)
        if score.probability > best[0]:
            best = (score.probability, None, row, score)
    scored = best[3]
    if scored is None:
        return MatchResult(Decision.new)
    decision = decide(scored.probability, settings)
    if decision is Decision.link and not scored.linkable:
        decision = Decision.review
    return MatchResult(decision, scored.probability, best[1], best[2], scored.evidence, count)


def find_matches(conn: sa.Connection, records: Sequence[MatchRecord], *, within_batch: bool = True,
                 model: MatchModel | None = None, settings: MatchingSettings | None = None,
                 exclude: Sequence[str | None] | None = None, population: int | None = None,
                 keys: Sequence[frozenset[MatchKey]] | None = None,
                 hashes: matchkeys.KeyHashes | None = None) -> list[MatchResult]:
    """The best match of each record among the stored partners (and, with
    ``within_batch``, among the records before it in ``records``), one result per record.

    ``exclude``: per record, a hub id never to match (the partner the record is itself).
    ``population``: how many partners the store holds, when the caller knows (else one
    count query); it sets the prior of every pair (see ``model``).
    ``keys``: the records' blocking keys, when the caller made them; ``hashes``: where the
    keys' hashes are kept, for a caller that stores the same keys afterwards.
    """
    model = model or default_model()
    settings = settings or MatchingSettings()
    stored_count = matchkeys.partner_count(conn) if population is None else population
    keys = [blocking_keys(r) for r in records] if keys is None else keys
    holders = matchkeys.holders(conn, {k for ks in keys for k in ks}, hashes)
    wanted = {h for ks in keys for k in ks for h in holders.get(k, ())}
    stored = matchkeys.records(conn, wanted)
    index = CandidateIndex()
    results = []
    for row, (record, record_keys) in enumerate(zip(records, keys, strict=True)):
        own = exclude[row] if exclude else None
        hub_ids = {h for k in record_keys for h in holders.get(k, ())} - {own}
        candidates = sorted(h for h in hub_ids if h in stored)
        earlier = sorted(index.candidates(record_keys)) if within_batch else []
        results.append(best_match(record, ((h, stored[h]) for h in candidates),
                                  ((r, records[r]) for r in earlier), model, settings,
                                  stored_count + (row if within_batch else 0)))
        if within_batch:
            index.add(row, record_keys)
    return results

"""Estimating the model's weights from data without labels, as Splink does.

- **u** (how often a level turns up between *different* partners) from random pairs:
  two records drawn at random are almost never the same partner, so the levels of many
  random pairs are the levels of non-matches.
- **m** (how often a level turns up between duplicates) by expectation-maximisation, with
  u held fixed: each pair is weighed by how likely it is a match under the current m,
  and m is re-counted from those weights, until it settles. As in Splink, EM runs in
  sessions on pairs that share some fields (the same name; the same e-mail), and a
  session fits only the *other* fields: the shared ones agree by construction there.
- the **prior** (the share of matches among the pairs the blocking keys make) by EM on
  those pairs with m and u fixed;
- the **last names' frequencies** (``frequency``) by counting them.

No label is used, so the weights can be estimated on an installation's own partners.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence

from hub.core.matching import compare
from hub.core.matching.blocking import blocking_keys
from hub.core.matching.find import CandidateIndex
from hub.core.matching.frequency import NameFrequencies
from hub.core.matching.model import (
    FIELDS,
    ORGANISATION_FIELDS,
    PERSON_FIELDS,
    KindWeights,
    Levels,
    MatchModel,
    comparison_levels,
)
from hub.core.matching.record import MatchRecord

FLOOR = 1e-6
"""No level is ever taken as impossible: its u is at least this (a level seen neither
among matches nor among random pairs thus weighs nothing)."""
M_FLOOR = 0.002
"""Nor is a disagreement ever taken as (nearly) impossible among duplicates: its m is
at least this, so no single disagreement weighs more than about -9. Data teach EM that
e-mails or documents of duplicates never differ only when they rarely do in that data."""


def _normalised(counts: Sequence[float]) -> tuple[float, ...]:
    total = sum(counts)
    return tuple(max(FLOOR, c / total) for c in counts)


def _level_counts(vectors: Counter[Levels], fields: tuple[str, ...],
                  weigh: dict[Levels, float] | None = None) -> dict[str, tuple[float, ...]]:
    """Per field, how often each level (but "missing") occurs, each vector counted
    ``count * weigh[vector]`` times."""
    counts = {f: [0.0] * (len(compare.COMPARISONS[f][0]) - 1) for f in fields}
    for vector, count in vectors.items():
        share = count * (weigh[vector] if weigh is not None else 1.0)
        for field, level in zip(fields, vector, strict=True):
            if level:
                counts[field][level - 1] += share
    return {f: _normalised(c) for f, c in counts.items()}


def random_pair_levels(records: Sequence[MatchRecord], kind: str, pairs: int, seed: int) -> Counter[Levels]:
    """Levels of ``pairs`` random pairs of records of ``kind``."""
    rng = random.Random(seed)
    pool = [r for r in records if r.kind == kind]
    vectors: Counter[Levels] = Counter()
    if len(pool) < 2:
        return vectors
    for _ in range(pairs):
        a, b = rng.sample(pool, 2)
        vectors[comparison_levels(a, b)[0]] += 1
    return vectors


def blocked_pair_levels(records: Sequence[MatchRecord], kind: str) -> Counter[Levels]:
    """Levels of every pair the blocking keys make, each record against those before it."""
    index = CandidateIndex()
    vectors: Counter[Levels] = Counter()
    for row, record in enumerate(records):
        keys = blocking_keys(record)
        if record.kind == kind:
            for other in index.candidates(keys):
                if records[other].kind == kind:
                    vectors[comparison_levels(record, records[other])[0]] += 1
        index.add(row, keys)
    return vectors


def pairs_sharing(records: Sequence[MatchRecord], kind: str, key: Callable[[MatchRecord], str],
                  cap: int = 20) -> Counter[Levels]:
    """Levels of the pairs of ``kind`` records that share ``key`` (a group larger than
    ``cap`` is left out: its pairs would swamp the rest)."""
    groups: dict[str, list[MatchRecord]] = defaultdict(list)
    for record in records:
        if record.kind == kind and (value := key(record)):
            groups[value].append(record)
    vectors: Counter[Levels] = Counter()
    for group in groups.values():
        if len(group) <= cap:
            for i, a in enumerate(group):
                for b in group[i + 1:]:
                    vectors[comparison_levels(a, b)[0]] += 1
    return vectors


def _match_shares(vectors: Counter[Levels], prior: float, weights: KindWeights, fields: tuple[str, ...],
                  used: frozenset[str]) -> tuple[dict[Levels, float], float]:
    """E-step: each vector's chance of being a match, counting only the ``used`` fields;
    and the prior (share of matches) those chances add up to."""
    table = weights.level_weights(fields)
    prior_odds = prior / (1 - prior)
    positions = [i for i, f in enumerate(fields) if f in used]
    shares: dict[Levels, float] = {}
    for vector in vectors:
        log_odds = sum(table[i][vector[i]] for i in positions)
        odds = prior_odds * 2.0 ** min(log_odds, 60.0)
        shares[vector] = odds / (1 + odds)
    total = sum(vectors.values())
    return shares, sum(shares[v] * c for v, c in vectors.items()) / total


def expectation_maximisation(vectors: Counter[Levels], start: KindWeights, fields: tuple[str, ...],
                             free: frozenset[str], iterations: int = 40) -> KindWeights:
    """One EM session, as Splink runs them: on pairs blocked on some fields, the m of the
    other (``free``) fields are fitted, u held fixed. The blocked-on fields agree in every
    pair by construction, so they tell nothing here and take no part."""
    weights, prior = start, 0.5
    for _ in range(iterations):
        shares, new_prior = _match_shares(vectors, prior, weights, fields, free)
        counted = _level_counts(vectors, fields, shares)
        m = {f: tuple(max(M_FLOOR, v) for v in counted[f]) if f in free else weights.m[f] for f in fields}
        weights = KindWeights(weights.rate, m, weights.u)
        settled = abs(new_prior - prior) < 1e-7
        prior = min(max(new_prior, FLOOR), 1 - FLOOR)
        if settled:
            break
    return weights


def prior_among(vectors: Counter[Levels], weights: KindWeights, fields: tuple[str, ...],
                iterations: int = 40) -> float:
    """The share of matches among ``vectors`` with m and u fixed (EM on the prior only)."""
    prior = 0.5
    for _ in range(iterations):
        _, prior = _match_shares(vectors, prior, weights, fields, frozenset(fields))
        prior = min(max(prior, FLOOR), 1 - FLOOR)
    return prior


def _person_name(record: MatchRecord) -> str:
    return f"{record.first_name}|{record.last_name}" if record.first_name and record.last_name else ""


SESSIONS: dict[str, tuple[tuple[Callable[[MatchRecord], str], frozenset[str]], ...]] = {
    "person": (
        (_person_name, frozenset(PERSON_FIELDS) - {"first_name", "last_name"}),
        (lambda r: min(r.emails, default=""), frozenset(PERSON_FIELDS) - {"email"}),
    ),
    "organisation": (
        (lambda r: r.organisation_name, frozenset(ORGANISATION_FIELDS) - {"organisation_name"}),
        (lambda r: f"{r.postal_code}|{r.street}|{r.house_number}" if r.street else "",
         frozenset(ORGANISATION_FIELDS) - {"address"}),
    ),
}
"""The EM sessions per kind: the pairs sharing a key, and the fields fitted on them."""


def _without_matches(random: Counter[Levels], u: dict[str, tuple[float, ...]], m: Mapping[str, tuple[float, ...]],
                     match_share: float) -> dict[str, tuple[float, ...]]:
    """u with the random pairs that were matches taken out: ``match_share`` of them are,
    and they agree on identifiers far more often than non-matches. Left in, a few
    duplicates among the random pairs of a small sample make a shared VAT number look
    a thousand times more common between different partners than it is."""
    corrected = {}
    for field, levels in u.items():
        corrected[field] = _normalised([max(0.0, share - match_share * m_level)
                                        for share, m_level in zip(levels, m[field], strict=True)])
    return corrected


def estimate(records: Sequence[MatchRecord], start: MatchModel, *, random_pairs: int = 300_000,
             seed: int = 1) -> MatchModel:
    """A model whose u come from random pairs of ``records``, whose m come from EM sessions
    on pairs sharing names (or e-mails, addresses) and whose match rate is the matches
    among the pairs the blocking keys make, per record; ``start`` gives the first m."""
    weights = {}
    for kind, fields in FIELDS.items():
        random = random_pair_levels(records, kind, random_pairs, seed)
        u = _level_counts(random, fields)
        current = KindWeights(start.weights[kind].rate, start.weights[kind].m, u)
        for key, free in SESSIONS[kind]:
            session = pairs_sharing(records, kind, key)
            if session:
                current = expectation_maximisation(session, current, fields, free)
        blocked = blocked_pair_levels(records, kind)
        count = sum(1 for r in records if r.kind == kind)
        # Matches among the blocked pairs, per record: the rate (the blocking finds
        # nearly every duplicate, so few are missed here).
        rate = prior_among(blocked, current, fields) * sum(blocked.values()) / count if blocked else current.rate
        u = _without_matches(random, u, current.m, rate / max(count, 1))
        last_names = NameFrequencies.count(r.last_name for r in records if r.kind == kind) \
            if kind == "person" else None
        weights[kind] = KindWeights(max(rate, FLOOR), current.m, u, last_names)
    return MatchModel(weights)

"""The Fellegi-Sunter model: how much each comparison level says for or against a match.

For every comparison level, ``m`` is the chance of seeing it when two records are the
same partner, ``u`` when they are not. A level's weight is log2(m/u): a birth date that
agrees exactly is rare among different people (small u) and common among duplicates
(large m), so it weighs a lot; a city that agrees weighs little. The weights of a pair
add up (the comparisons are taken as independent, the model's known simplification),
together with the prior odds that a record matches one given other record, to the match
weight, which turns into a match probability.

The prior depends on how many partners a record is matched against: a record has one
duplicate among a thousand partners far more probably than a given one of a million
is it. The model keeps the *match rate* (how many duplicates a record has, on average)
and divides it by the population compared against: log2(rate / population) is the
prior of each pair. The bigger the store, the more evidence a link needs, because the
more namesakes it holds.

The shipped weights (``data/weights.json``) were estimated as Splink does: u from random
pairs, m and the match rate by expectation-maximisation on blocked pairs, without labels
(``hub.core.matching.estimate``). Persons and organisations have weights of their own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from hub.core.matching import compare
from hub.core.matching.frequency import NameFrequencies
from hub.core.matching.record import MatchRecord

PERSON_FIELDS = ("first_name", "last_name", "birth_date", "address", "email", "phone", "identification")
ORGANISATION_FIELDS = ("organisation_name", "address", "email", "phone", "identification")
FIELDS = {"person": PERSON_FIELDS, "organisation": ORGANISATION_FIELDS}
_FUNCTIONS = {name: function for name, (_, function) in compare.COMPARISONS.items() if function is not None}
SWAPPED = "names swapped"
FIRST_NAMES_DIFFER = 6
"""The first-name level "different"."""
_EMAIL, _IDENTIFICATION = PERSON_FIELDS.index("email"), PERSON_FIELDS.index("identification")
_LAST_NAME = PERSON_FIELDS.index("last_name")
RARE_NAME_BONUS = 3.0
"""A rare last name adds at most this many bits: enough to lift a moved duplicate with a
rare name from among the namesakes into review, not enough to link it on names alone
(a rare name's namesake elsewhere would then be linked too)."""
COMMON_NAME_PENALTY = 5.0
"""A common last name takes away at most this many bits."""
_HOUSEHOLD = frozenset({PERSON_FIELDS.index("address"), PERSON_FIELDS.index("phone")})
"""What members of one household share."""

Levels = tuple[int, ...]


class ModelError(ValueError):
    """A weights file that does not fit the comparisons (names a wrong field or level count)."""


def _name_levels(a: MatchRecord, b: MatchRecord) -> tuple[int, int, bool]:
    """First and last name levels, in the order that agrees better (swapped or not)."""
    first = compare.first_name_level(a.first_name, b.first_name)
    last = compare.last_name_level(a.last_name, b.last_name)
    if first in (1, 2, 3) and last in (1, 2):
        return first, last, False
    best = (first, last, False)
    # Either record may be the swapped one: b keeps its first name as last name, or a does.
    for a_first, b_first, a_last, b_last in ((a.first_name, b.last_name, a.last_name, b.first_name),
                                             (a.last_name, b.first_name, a.first_name, b.last_name)):
        swapped_first = compare.first_name_level(a_first, b_first)
        swapped_last = compare.last_name_level(a_last, b_last)
        if swapped_first in (1, 2, 3, 4) and swapped_last in (1, 2) \
                and swapped_first + swapped_last < best[0] + best[1]:
            best = (swapped_first, swapped_last, True)
    return best


def comparison_levels(a: MatchRecord, b: MatchRecord) -> tuple[Levels, bool]:
    """The level of every comparison of the pair's kind (``FIELDS`` order), and whether
    the names agreed only swapped. Records of different kinds are not compared here."""
    if a.is_person:
        first, last, swapped = _name_levels(a, b)
        return (first, last, *(_FUNCTIONS[f](a, b) for f in PERSON_FIELDS[2:])), swapped
    return tuple(_FUNCTIONS[f](a, b) for f in ORGANISATION_FIELDS), False


@dataclass(frozen=True)
class KindWeights:
    """m and u of every level (index 0, "missing", has none) and the match rate (expected
    duplicates per record) for one kind; for persons, the last names' frequencies (see
    ``frequency``; None: no adjustment)."""

    rate: float
    m: Mapping[str, tuple[float, ...]]
    u: Mapping[str, tuple[float, ...]]
    last_names: NameFrequencies | None = None

    def level_weights(self, fields: tuple[str, ...]) -> tuple[tuple[float, ...], ...]:
        """log2(m/u) per field and level, 0.0 for "missing"."""
        return tuple(
            (0.0, *(math.log2(m / u) for m, u in zip(self.m[f], self.u[f], strict=True))) for f in fields
        )


@dataclass(frozen=True)
class MatchScore:
    """A scored pair: match probability (0..1), match weight (log2 odds), the evidence,
    and whether the pair may be linked without review at all (see ``REVIEW_ONLY``)."""

    probability: float
    weight: float
    evidence: tuple[str, ...]
    linkable: bool = True


REVIEW_ONLY = "first names differ: review at most"
"""Two persons whose first names disagree (not a typo, nickname or initial of each other)
and who share no personal identifier (e-mail, identification number) are never linked
without review, and their agreeing address and phone count for nothing: family members
share last name, address and phone (twins their birth date too), and the model, which
takes the comparisons as independent, would count all of that as evidence."""


class MatchModel:
    """Scores pairs of records with per-kind Fellegi-Sunter weights."""

    def __init__(self, weights: Mapping[str, KindWeights]) -> None:
        for kind, fields in FIELDS.items():
            if kind not in weights:
                raise ModelError(f"weights: no section for {kind!r}")
            if not 0 < weights[kind].rate:
                raise ModelError(f"weights: {kind}.rate must be above 0, got {weights[kind].rate!r}")
            for name in fields:
                levels = len(compare.COMPARISONS[name][0]) - 1
                for which in ("m", "u"):
                    values = getattr(weights[kind], which).get(name)
                    if values is None or len(values) != levels or not all(0 < v <= 1 for v in values):
                        raise ModelError(f"weights: {kind}.{which}.{name} needs {levels} values in (0, 1],"
                                         f" got {values!r}")
        self.weights = dict(weights)
        self._tables = {kind: self.weights[kind].level_weights(FIELDS[kind]) for kind in FIELDS}
        self._rates = {kind: math.log2(w.rate) for kind, w in self.weights.items()}
        self._last_names = weights["person"].last_names
        self._last_name_u = weights["person"].u["last_name"][0]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MatchModel:
        """A model from the JSON form ``as_dict`` writes."""
        try:
            return cls({kind: KindWeights(float(section["rate"]),
                                          {k: tuple(map(float, v)) for k, v in section["m"].items()},
                                          {k: tuple(map(float, v)) for k, v in section["u"].items()},
                                          NameFrequencies.from_dict(section["last_names"])
                                          if "last_names" in section else None)
                        for kind, section in data.items()})
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ModelError(f"weights: malformed ({exc!r})") from None

    @classmethod
    def load(cls, path: Path) -> MatchModel:
        """A model from a weights file."""
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of the weights."""
        return {kind: {"rate": w.rate, "m": {k: list(v) for k, v in w.m.items()},
                       "u": {k: list(v) for k, v in w.u.items()},
                       **({"last_names": w.last_names.as_dict()} if w.last_names else {})}
                for kind, w in self.weights.items()}

    def last_name_adjustment(self, last_name: str) -> float:
        """Bits added to an exact last-name agreement on ``last_name`` for how rare it is
        (negative: more common than the average agreeing name), within
        ``RARE_NAME_BONUS`` and ``COMMON_NAME_PENALTY``; 0 without frequencies."""
        if self._last_names is None or not last_name:
            return 0.0
        bits = math.log2(self._last_name_u / self._last_names.of(last_name))
        return max(-COMMON_NAME_PENALTY, min(RARE_NAME_BONUS, bits))

    def prior(self, kind: str, population: int) -> float:
        """log2 prior odds that a record of ``kind`` matches one given record of
        ``population`` records it is matched against."""
        return self._rates[kind] - math.log2(max(population, 2))

    def weight_of(self, kind: str, levels: Levels, population: int) -> float:
        """Match weight (log2 odds) of a pair with these levels."""
        table = self._tables[kind]
        return self.prior(kind, population) + sum(table[i][level] for i, level in enumerate(levels))

    def score(self, a: MatchRecord, b: MatchRecord, population: int) -> MatchScore:
        """How likely ``a`` and ``b`` are one partner, and why, ``b`` being one of
        ``population`` partners ``a`` is matched against."""
        if a.kind != b.kind:
            return MatchScore(0.0, -math.inf, ("person and organisation",))
        levels, swapped = comparison_levels(a, b)
        linkable = not (a.is_person and levels[0] == FIRST_NAMES_DIFFER
                        and levels[_EMAIL] != 1 and levels[_IDENTIFICATION] != 1)
        evidence = [SWAPPED] if swapped else []
        table = self._tables[a.kind]
        weight = self.prior(a.kind, population)
        for i, (name, level) in enumerate(zip(FIELDS[a.kind], levels, strict=True)):
            if not level:
                continue
            value = table[i][level]
            if not linkable and i in _HOUSEHOLD and value > 0:
                evidence.append(f"{name} {compare.COMPARISONS[name][0][level]} (not counted)")
                continue
            weight += value
            evidence.append(f"{name} {compare.COMPARISONS[name][0][level]} ({value:+.1f})")
        if a.is_person and levels[_LAST_NAME] == 1 and not swapped:
            adjustment = self.last_name_adjustment(a.last_name)
            if adjustment:
                weight += adjustment
                evidence.append(f"how common the last name is ({adjustment:+.1f})")
        if not linkable:
            evidence.append(REVIEW_ONLY)
        return MatchScore(probability(weight), weight, tuple(evidence), linkable)


def probability(weight: float) -> float:
    """The probability of a match weight (log2 odds)."""
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    odds = 2.0 ** weight
    return odds / (1 + odds)


@lru_cache(maxsize=1)
def default_model() -> MatchModel:
    """The model with the shipped weights."""
    text = resources.files("hub.core.matching").joinpath("data/weights.json").read_text(encoding="utf-8")
    return MatchModel.from_dict(json.loads(text))

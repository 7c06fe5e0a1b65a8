"""Name frequencies: how common a last name is, for term-frequency adjustments.

The model's weight for "last names agree exactly" is an average over all names: it
says as much for two "Müller"s as for two "Bersolrich"s, although a Müller agrees
with a random other person hundreds of times more often. As Splink does, the weight of
an exact agreement is adjusted by log2(u / frequency of the name): common names weigh
less, rare ones more. Without it, moved duplicates with a rare name scored like
namesakes with a common one, and the review band filled with namesakes.

Only the most common names are kept by name (a table of a few hundred); every other name
gets ``rest``, the frequency a random pair of such names has when they agree, so a name
the table does not know counts as rare, not as unknown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

KEEP = 500
"""How many of the most common names the table keeps by name."""


class FrequencyError(ValueError):
    """A frequency table that is malformed (a share outside (0, 1])."""


@dataclass(frozen=True)
class NameFrequencies:
    """Share of records that bear each common name; ``rest`` for any other name."""

    common: Mapping[str, float] = field(default_factory=dict)
    rest: float = 0.0

    def __post_init__(self) -> None:
        for name, share in [*self.common.items(), ("(rest)", self.rest)]:
            if not 0 < share <= 1:
                raise FrequencyError(f"name frequencies: {name!r} has share {share!r}, not in (0, 1]")

    def of(self, name: str) -> float:
        """The frequency of a folded name: its own if common, else ``rest``."""
        return self.common.get(name, self.rest)

    @classmethod
    def count(cls, names: Iterable[str], keep: int = KEEP) -> NameFrequencies:
        """Frequencies of the folded names of a population ("" names are not counted).

        ``rest`` is the chance that two records bearing names outside the table, drawn
        at random, agree, given that they agree: sum(f^2) / sum(f) over those names.
        """
        counts = Counter(n for n in names if n)
        total = sum(counts.values())
        if not total:
            raise FrequencyError("name frequencies: no names to count")
        ranked = counts.most_common()
        common = {name: n / total for name, n in ranked[:keep]}
        tail = [n / total for _, n in ranked[keep:]]
        rest = sum(f * f for f in tail) / sum(tail) if tail else min(common.values())
        return cls(common, rest)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (in the weights file)."""
        return {"rest": self.rest, "common": dict(self.common)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NameFrequencies:
        """The table of its JSON form."""
        return cls({str(k): float(v) for k, v in data["common"].items()}, float(data["rest"]))

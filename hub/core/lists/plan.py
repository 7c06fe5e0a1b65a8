"""What each row of a batch becomes, from its key and its best match.

A row whose key the key map knows already is that partner (it came in before, from
this list's system): it is linked to it. Otherwise the duplicate check's decision
stands: link to the partner matched, wait for review against it, or create. A row
whose best match is an earlier row of the same batch follows that row: it is linked
to whatever that row becomes (a new partner, or the partner that row is linked to),
and waits for review against the partner that row waits for. Rows pointing at a row
that is created are written in a second pass, once that row's hub id exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    """What to do with one row."""

    create = "create"
    link = "link"
    review = "review"


@dataclass(frozen=True, slots=True)
class Match:
    """A row's best match as the duplicate check found it: ``decision`` is link, review
    or new; the match is a stored partner (``hub_id``) or an earlier row of the batch
    (``batch_row``, an index into the batch)."""

    decision: str
    probability: float = 0.0
    hub_id: str | None = None
    batch_row: int | None = None


@dataclass(slots=True)
class Plan:
    """What one row becomes: created, linked to ``hub_id`` (or to what row ``after``
    becomes), or waiting for review against ``hub_id`` (or against what row ``after``
    becomes); ``score`` is the match's probability (1.0 for a known key)."""

    step: Step
    hub_id: str | None = None
    after: int | None = None
    score: float | None = None
    known_key: bool = False


def plan_batch(known: list[str | None], matches: list[Match | None]) -> list[Plan]:
    """One plan per row: ``known[i]`` is the hub id row i's key already stands for;
    ``matches[i]`` its best match (None when it has a known key)."""
    plans: list[Plan] = []
    for index, (hub_id, match) in enumerate(zip(known, matches, strict=True)):
        if hub_id is not None:
            plans.append(Plan(Step.link, hub_id, score=1.0, known_key=True))
        elif match is None or match.decision == "new":
            plans.append(Plan(Step.create))
        elif match.batch_row is not None:
            plans.append(_follow(plans, index, match))
        else:
            step = Step.link if match.decision == "link" else Step.review
            plans.append(Plan(step, match.hub_id, score=match.probability))
    return plans


def _follow(plans: list[Plan], index: int, match: Match) -> Plan:
    """The plan of a row that matched an earlier row of the batch."""
    row = match.batch_row
    assert row is not None and row < index, "a batch row matches only rows before it"
    earlier = plans[row]
    wanted = Step.link if match.decision == "link" else Step.review
    if earlier.step is Step.create:
        return Plan(wanted, after=row, score=match.probability)
    if earlier.step is Step.review:
        # The earlier row is not a partner yet: this one waits against the same partner.
        return Plan(Step.review, earlier.hub_id, earlier.after, score=min(match.probability, earlier.score or 0.0))
    return Plan(wanted, earlier.hub_id, earlier.after, score=match.probability)

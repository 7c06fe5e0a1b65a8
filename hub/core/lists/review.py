"""Rows waiting for review: the pairs a person decides, and the decision.

A row scored between the two thresholds against a partner waits, with the partner it
maps to kept beside it. ``decide`` links it to that partner (its key becomes another
external id of it, the golden record takes what it adds) or creates a partner of it,
through the master-data service like the import itself, and moves the list's counts
in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.core.errors import NotFoundError
from hub.core.lists import state
from hub.core.lists.linking import link_document
from hub.core.lists.serial import claim_matching
from hub.core.lists.tables import list_rows, lists
from hub.core.masterdata import Incoming, MasterDataService
from hub.core.model.base import utcnow
from hub.core.model.partner import Partner
from hub.core.store import documents


@dataclass(frozen=True)
class ReviewPair:
    """One row waiting: its number, key and data, and the partner it may be."""

    row: int
    key: str | None
    score: float | None
    data: dict[str, Any]
    hub_id: str | None
    partner: dict[str, Any] | None
    """The matched partner's golden record now (None if it is gone)."""

    def as_dict(self) -> dict[str, Any]:
        """The pair as ``--json`` prints it."""
        return {"row": self.row, "key": self.key, "score": self.score, "row_data": self.data,
                "hub_id": self.hub_id, "partner": self.partner}


@dataclass(frozen=True)
class Decision:
    """What a decided row became."""

    row: int
    outcome: str
    hub_id: str


def pairs(conn: sa.Connection, name: str) -> list[ReviewPair]:
    """Every row of list ``name`` waiting for review, in file order."""
    state.get(conn, name)
    waiting = list(state.rows_of(conn, name, outcome=state.REVIEW))
    partners = documents.get_many(conn, {r.matched_hub_id for r in waiting if r.matched_hub_id})
    return [ReviewPair(r.row, r.key, r.score, r.data or {}, r.matched_hub_id,
                       partners[r.matched_hub_id].data if r.matched_hub_id in partners else None)
            for r in waiting]


def stored_data(partner: Partner) -> dict[str, Any]:
    """A row's partner as kept while it waits: only the fields its mapping set, so that
    linking it later sends what the row had and blanks nothing else."""
    return partner.model_dump(mode="json", exclude_unset=True, exclude={"hub_id", "version", "external_ids"})


def decide(masterdata: MasterDataService, name: str, row: int, link: bool) -> Decision:
    """Link row ``row`` of list ``name`` to the partner it matched, or create a partner of it.

    Takes the list batches' matching claim first (``serial``): a partner created here
    while a batch of another list runs would be missed by that batch's duplicate check,
    which read the store before this commit, and the batch would create the person again.
    """
    with masterdata.engine.begin() as conn:
        claim_matching(conn)
        current = state.get(conn, name)
        found = state.get_row(conn, name, row)
        if found is None:
            raise NotFoundError(f"list {name!r} has no row {row}")
        if found.outcome != state.REVIEW:
            raise NotFoundError(f"row {row} of list {name!r} is {found.outcome}"
                                + (f" ({found.hub_id})" if found.hub_id else "") + ", not waiting for review")
        partner = Partner.model_validate(found.data)
        target = found.matched_hub_id
        if link and target is None:
            raise NotFoundError(f"row {row} of list {name!r} matched no partner to link it to")
        if link and target is not None:
            data = documents.get_many(conn, [target]).get(target)
            document = link_document(partner, data.data if data else None, target, name)
        else:
            document = partner
        result = masterdata.upsert_in(conn, [Incoming(document, current.system, found.key)])[0]
        outcome = state.LINKED if link else state.CREATED
        moved = conn.execute(
            list_rows.update().where(list_rows.c.list_name == name, list_rows.c.row == row,
                                     list_rows.c.outcome == state.REVIEW)
            .values(outcome=outcome, hub_id=result.hub_id, data=None, decided_at=utcnow())
        ).rowcount
        if moved != 1:
            raise NotFoundError(f"row {row} of list {name!r} was decided meanwhile")
        conn.execute(lists.update().where(lists.c.name == name)
                     .values({lists.c.review: lists.c.review - 1, lists.c[outcome]: lists.c[outcome] + 1,
                              lists.c.updated_at: utcnow()}))
    return Decision(row, outcome, result.hub_id)

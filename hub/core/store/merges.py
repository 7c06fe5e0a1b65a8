"""The record of each partner merge: what it moved and rewrote, so it can be undone.

A merge changes four things at once: the survivor's golden record, the other
record (marked merged), the key map (the other's external ids move to the survivor)
and every document that referred to the other (rewritten to name the survivor). An
unmerge within the retention period needs to know exactly which of those the merge
did, not guess it from today's data: this row says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.core.store.types import JSONColumn, UTCDateTime


class PartnerMergeRow(SQLModel, table=True):
    """One merge of ``other_hub_id`` into ``survivor_hub_id``."""

    __tablename__ = "partner_merges"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker

    id: int | None = Field(default=None, primary_key=True)
    survivor_hub_id: str = Field(max_length=40, index=True)
    other_hub_id: str = Field(max_length=40, index=True)
    merged_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    survivor_version: int = Field(description="The survivor's version the merge wrote.")
    survivor_before: dict[str, Any] = Field(
        sa_column=sa.Column(JSONColumn, nullable=False),
        description="The survivor's data and field sources before the merge: "
        '{"data": ..., "field_sources": ...}.')
    moved_keys: list[Any] = Field(
        sa_column=sa.Column(JSONColumn, nullable=False),
        description="[system, object type, external id] of every key-map link moved to the survivor.")
    rewritten: list[Any] = Field(
        sa_column=sa.Column(JSONColumn, nullable=False),
        description='{"hub_id", "version", "paths"} of every document rewritten to name the survivor.')
    unmerged_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))


merges = PartnerMergeRow.__table__


@dataclass(frozen=True)
class MergeRecord:
    """A merge as recorded (``PartnerMergeRow``)."""

    id: int
    survivor_hub_id: str
    other_hub_id: str
    merged_at: datetime
    survivor_version: int
    survivor_before: dict[str, Any]
    moved_keys: list[Any]
    rewritten: list[Any]
    unmerged_at: datetime | None


def record(conn: sa.Connection, values: dict[str, Any]) -> int:
    """Store a merge record (the columns of ``PartnerMergeRow`` but ``id``); its id."""
    return int(conn.execute(merges.insert().values(**values).returning(merges.c.id)).scalar_one())


def latest_of(conn: sa.Connection, other_hub_id: str, *, for_update: bool = False) -> MergeRecord | None:
    """The newest merge that merged ``other_hub_id`` away and was not undone, if any."""
    query = (sa.select(merges).where(merges.c.other_hub_id == other_hub_id, merges.c.unmerged_at.is_(None))
             .order_by(merges.c.id.desc()).limit(1))
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return MergeRecord(**row._mapping) if row else None


def mark_undone(conn: sa.Connection, merge_id: int, at: datetime) -> None:
    """Record that merge ``merge_id`` was undone at ``at``."""
    conn.execute(merges.update().where(merges.c.id == merge_id).values(unmerged_at=at))

"""The documents of one type changed since a time, page by page (keyset pagination).

Pages are ordered by (time of the last change, hub id), which is unique and stable: a
page ends at a position, and the next page starts after it, whatever was written in
between. A document changed meanwhile moves to its new position, so a client that
follows the pages to the end sees every document at least once in its latest state.
The position travels as an opaque cursor (URL-safe base64 of a small JSON object that
also names the document type, so a cursor of one type is refused for another).

A page reads only documents whose last change is at least ``[http]
api_settle_seconds`` (default ``SETTLE``) old: a write stamps its documents when its
transaction starts, and one still open while a page is read could commit behind that
page's position and never be listed. That time bounds how long such a transaction may
run (an API write or an inbound chunk takes
milliseconds to a second or two).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from hub.core.errors import DocumentError
from hub.core.store import documents as doc_store

SETTLE = timedelta(seconds=2)
MAX_PAGE = 500


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last document's time of change and hub id."""

    changed_at: datetime
    hub_id: str

    def cursor(self, doc_type: str) -> str:
        """The opaque cursor a client sends back for the next page."""
        text = json.dumps({"t": doc_type, "at": self.changed_at.isoformat(), "id": self.hub_id},
                          separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def read_cursor(cursor: str, doc_type: str) -> Position:
    """The position a cursor of ``doc_type`` names; DocumentError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        fields = json.loads(raw)
        position = Position(datetime.fromisoformat(fields["at"]), str(fields["id"]))
        given = fields["t"]
    except (binascii.Error, ValueError, TypeError, KeyError, RecursionError):
        raise DocumentError("request", "cursor", "is not a cursor this API handed out") from None
    if given != doc_type or position.changed_at.tzinfo is None:
        raise DocumentError("request", "cursor", f"is not a cursor of {doc_type} documents")
    return position


@dataclass(frozen=True)
class ChangedRow:
    """One listed document as stored, and its position."""

    hub_id: str
    changed_at: datetime


def changed_since(conn: sa.Connection, doc_type: str, since: datetime | None, after: Position | None,
                  limit: int, now: datetime, settle: timedelta = SETTLE
                  ) -> tuple[list[ChangedRow], Position | None, bool]:
    """Up to ``limit`` documents of ``doc_type`` (merged ones left out) changed at or
    after ``since`` and after ``after`` and at least ``settle`` ago (``[http]
    api_settle_seconds``), oldest change first; where the page ended (the position to go
    on from, now or later; ``after`` for an empty page); and whether more documents
    follow it now."""
    c = doc_store.documents.c
    conditions: list[Any] = [c.doc_type == doc_type, c.merged_into.is_(None), c.updated_at <= now - settle]
    if since is not None:
        conditions.append(c.updated_at >= since)
    if after is not None:
        conditions.append(sa.or_(c.updated_at > after.changed_at,
                                 sa.and_(c.updated_at == after.changed_at, c.hub_id > after.hub_id)))
    rows: Sequence[Any] = conn.execute(
        sa.select(c.hub_id, c.updated_at).where(*conditions).order_by(c.updated_at, c.hub_id).limit(limit + 1)
    ).all()
    page = [ChangedRow(row.hub_id, row.updated_at) for row in rows[:limit]]
    end = Position(page[-1].changed_at, page[-1].hub_id) if page else after
    return page, end, len(rows) > limit

"""What the master-data service tells listeners when a canonical document changed.

Listeners run inside the same database transaction as the change (the outbox
pattern): if a listener fails, the change is not written either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class DocumentChange:
    """One new version of one canonical document.

    ``changes`` maps each changed top-level field to ``{"old": ..., "new": ...}``;
    ``data`` is the full new content (JSON-ready, as stored); ``source_system`` is the
    system whose input caused it (``hub`` for changes made in the hub itself), so
    that a change is not echoed back to where it came from.
    """

    hub_id: str
    doc_type: str
    version: int
    source_system: str
    changes: Mapping[str, Any]
    data: dict[str, Any]
    external_ids: dict[str, list[str]] = field(default_factory=dict)
    created: bool = False


ChangeListener = Callable[[sa.Connection, Sequence[DocumentChange]], None]
"""Called with the open transaction's connection and the changes written in it, in the
order they were written: a whole batch at once, so that a listener (the outbox) can do
its work for the batch in a few statements instead of a few per change."""

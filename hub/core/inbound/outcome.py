"""What became of one inbound document, as every port and command reports it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from hub.core.store.inbound_counts import FAILED_STATUSES

OutcomeStatus = Literal["posted", "unchanged", "stale", "duplicate", "failed", "conflict", "waiting"]
FAILED_OUTCOMES = frozenset(FAILED_STATUSES)


@dataclass(frozen=True)
class IngestOutcome:
    """What became of one inbound document."""

    source: str
    message_type: str
    document_id: str
    status: OutcomeStatus
    """posted (stored, changed), unchanged (stored before, nothing new), stale (older than
    the version applied from its source: recorded, not applied), duplicate
    (this very document was received before), failed, conflict (another document was
    received under its key before: kept, not posted), waiting (it names an object the
    hub does not know yet: kept, posted when that object arrives)."""
    payload_id: int | None = None
    hub_id: str | None = None
    doc_type: str | None = None
    version: int | None = None
    error: str | None = None
    """Why it failed; for a duplicate of a document that failed, how to replay that one."""
    mapping: str | None = None
    conflict_of: int | None = None
    """For a conflict: the payload first received under the same key."""
    created: bool = False
    """Whether posting it created its canonical document."""
    waiting_for: tuple[str, str, str] | None = None
    """For a waiting document: the (system, object type, external id) it waits for."""

    @property
    def failed(self) -> bool:
        """Whether the document was not posted and waits for an administrator."""
        return self.status in FAILED_OUTCOMES

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


def summarise(outcomes: Iterable[IngestOutcome]) -> dict[str, int]:
    """Counts per status."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return counts

"""What ``hub status`` shows of a queue, and the words for where a queue stands.

Plain Python, no database library: both ways of reading the status build these, the
SQLAlchemy queries of ``hub.core.queue.status`` (used in-process) and the driver-level
queries of ``hub.core.queue.status_sql`` (used by a command-line ``hub status``, which
must start in a fraction of a second and cannot afford to import SQLAlchemy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

ACTIVE_QUEUE_CONDITION = "last_seq > done_seq OR stopped OR blocked"
"""Queues ``hub status`` shows: with work or trouble (a partial index covers them)."""


QUEUE_STATES = ("stopped", "blocked", "running", "retrying", "ready", "idle")


@dataclass(frozen=True)
class QueueView:
    """One queue as ``hub status`` shows it."""

    queue: str
    system: str
    state: str
    depth: int
    oldest_at: datetime | None
    oldest_age_s: float | None
    attempts: int
    last_error: str | None
    lease_owner: str | None
    next_due_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (a flat copy: ``dataclasses.asdict`` deep-copies and costs
        seconds for the 100,000 queues of ``hub status --all --json``)."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class StatusReport:
    """Queues with work or trouble (the worst first, at most ``limit``) and totals."""

    queues: list[QueueView]
    totals: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"totals": self.totals, "queues": [q.as_dict() for q in self.queues]}


class ShownRow(NamedTuple):
    """A shown queue's columns; plain tuple attributes, ten times cheaper to read than a
    SQLAlchemy Row's (it counts when ``--all`` lists 100,000 queues)."""

    name: str
    system: str
    last_seq: int
    done_seq: int
    stopped: bool
    blocked: bool
    due_at: datetime | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    attempts: int
    last_error: str | None
    oldest_at: datetime | None


def queue_state_name(row: Any, now: datetime) -> str:
    """One word for where a queue stands (see ``QUEUE_STATES``)."""
    if row.stopped:
        return "stopped"
    if row.blocked:
        return "blocked"
    if row.lease_expires_at is not None and row.lease_expires_at > now:
        return "running"
    if row.attempts > 0 and row.due_at is not None and row.due_at > now:
        return "retrying"
    return "ready" if row.last_seq > row.done_seq else "idle"



def view_of(row: ShownRow, now: datetime) -> QueueView:
    """A shown queue as ``hub status`` shows it, at ``now``."""
    oldest = row.oldest_at
    leased = row.lease_expires_at is not None and row.lease_expires_at > now
    return QueueView(
        queue=row.name, system=row.system, state=queue_state_name(row, now),
        depth=row.last_seq - row.done_seq, oldest_at=oldest,
        oldest_age_s=round((now - oldest).total_seconds(), 3) if oldest else None,
        attempts=row.attempts, last_error=row.last_error,
        lease_owner=row.lease_owner if leased else None, next_due_at=row.due_at,
    )

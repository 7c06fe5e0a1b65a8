"""The ledger of scheduled job runs in flight (``scheduler_job_runs``).

Leader election alone does not keep a job from running twice at once: a leader that
stalls (a long GC pause, a lost network) can lose the lead while one of its jobs still
runs, and the new leader would start the same job beside it. So each run first claims
its job's row, which only succeeds when the job's last run finished or its holder has
sent no heartbeat for ``stale_after`` (it died); every process heartbeats the runs it
has in flight, leader or not, until they end.

The row also tells the leader about a run cut short: a row left unfinished by a dead
holder is a due run that never completed, and the leader runs that job again
(``hub.core.scheduling.service``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub.core.queue.messages import utcnow
from hub.core.scheduling.tables import job_runs


@dataclass(frozen=True)
class StaleRun:
    """A run whose holder stopped sending heartbeats before it finished."""

    job_id: str
    holder: str
    started_at: datetime


class JobRuns:
    """Claims, heartbeats and finishes the job runs of one process (``holder``)."""

    def __init__(self, engine: sa.Engine, holder: str, stale_after: float) -> None:
        self.engine = engine
        self.holder = holder
        self.stale_after = timedelta(seconds=stale_after)

    def claim(self, job_id: str) -> datetime | None:
        """Start a run of ``job_id``: its start time, or None while another live run holds it."""
        now = utcnow()
        c = job_runs.c
        with self.engine.begin() as conn:
            taken = conn.execute(
                sa.update(job_runs)
                .where(c.job_id == job_id, sa.or_(c.finished_at.is_not(None), c.heartbeat_at < now - self.stale_after))
                .values(holder=self.holder, started_at=now, heartbeat_at=now, finished_at=None)
            ).rowcount
            if taken == 1:
                return now
            if conn.execute(sa.select(c.job_id).where(c.job_id == job_id)).first() is not None:
                return None
            try:
                with conn.begin_nested():
                    conn.execute(sa.insert(job_runs).values(job_id=job_id, holder=self.holder, started_at=now,
                                                            heartbeat_at=now, finished_at=None))
            except sa.exc.IntegrityError:
                return None  # another process claimed the job's first run this very moment
        return now

    def finish(self, job_id: str, started_at: datetime) -> None:
        """Mark the run claimed at ``started_at`` finished (a run taken over since is left alone)."""
        c = job_runs.c
        with self.engine.begin() as conn:
            conn.execute(sa.update(job_runs)
                         .where(c.job_id == job_id, c.holder == self.holder, c.started_at == started_at)
                         .values(finished_at=utcnow()))

    def heartbeat(self) -> int:
        """Tell the others that this process's runs in flight are alive; how many there are."""
        c = job_runs.c
        with self.engine.begin() as conn:
            return conn.execute(sa.update(job_runs).where(c.holder == self.holder, c.finished_at.is_(None))
                                .values(heartbeat_at=utcnow())).rowcount

    def stale(self) -> list[StaleRun]:
        """Runs left unfinished by a holder that stopped sending heartbeats."""
        c = job_runs.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.job_id, c.holder, c.started_at)
                                .where(c.finished_at.is_(None), c.heartbeat_at < utcnow() - self.stale_after))
            return [StaleRun(row.job_id, row.holder, row.started_at) for row in rows]

    def forget(self, job_id: str) -> None:
        """Drop the row of a job no loaded plugin provides any more."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(job_runs).where(job_runs.c.job_id == job_id))

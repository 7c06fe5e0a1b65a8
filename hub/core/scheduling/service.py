"""The scheduler of one ``hub run`` process: standing by, or leading.

Every process runs one ``SchedulerService`` thread. Each ``heartbeat_seconds`` it
heartbeats the job runs it has in flight, then either renews its lead (leader) or tries
to take it (standby). Taking the lead starts APScheduler on the shared job store; a
due run that the dead leader never finished is run again at once (see
``recover_cut_runs``). Losing the lead stops APScheduler without waiting: the runs in
flight end on their own and the ledger keeps the new leader from starting them again
meanwhile. A clean stop (SIGTERM) waits for the running jobs, then releases the lead so
that a standby takes over at its next heartbeat.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler

from hub.core.queue.messages import utcnow
from hub.core.runtime import HubRuntime
from hub.core.scheduler import RunGuard, start_scheduler, stop_scheduler
from hub.core.scheduling.leader import Leadership, leadership_for
from hub.core.scheduling.runs import JobRuns
from hub.core.scheduling.settings import SchedulerSettings

log = logging.getLogger("hub.scheduler")


def recover_cut_runs(scheduler: BackgroundScheduler, runs: JobRuns, now: datetime) -> list[str]:
    """Run again, now, each job whose last run was cut short by a dead holder.

    APScheduler moves a job's next run time on as soon as it hands the run to a thread;
    a leader killed during the run leaves the job store saying the run happened. The
    ledger row, unfinished and without heartbeat, says it did not complete. If the store
    still points at or before that run, APScheduler runs it anyway; otherwise the job is
    made due now. Returns the jobs made due.
    """
    made_due = []
    for run in runs.stale():
        job = scheduler.get_job(run.job_id)
        if job is None:
            runs.forget(run.job_id)
            continue
        if job.next_run_time is None or job.next_run_time <= max(run.started_at, now):
            continue  # paused, or due anyway
        log.warning("job %s: its run started %s by %s never finished; running it again", run.job_id,
                    run.started_at.isoformat(timespec="seconds"), run.holder)
        scheduler.modify_job(run.job_id, next_run_time=now)
        made_due.append(run.job_id)
    return made_due


class SchedulerService:
    """Leader election plus the scheduler it guards, for one process (see the module docstring)."""

    def __init__(self, runtime: HubRuntime, settings: SchedulerSettings | None = None,
                 leadership: Leadership | None = None) -> None:
        self.runtime = runtime
        self.settings = settings or runtime.settings.scheduler
        self.leadership = leadership or leadership_for(runtime.engine, self.settings.lease_seconds)
        self.runs = JobRuns(runtime.engine, self.leadership.holder, self.settings.lease_seconds)
        self._scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hub-scheduler-election", daemon=True)

    @property
    def holder(self) -> str:
        """This process as the election and the ledger name it (``host:pid:random``)."""
        return self.leadership.holder

    @property
    def leads(self) -> bool:
        """Whether this process runs the scheduler now."""
        return self._scheduler is not None

    def start(self) -> SchedulerService:
        """Take part in the election from now on (the first try happens at once)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop taking part: a leader lets its running jobs finish, then releases the lead."""
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            try:
                self.tick()
            except sa.exc.SQLAlchemyError as exc:
                log.error("scheduler election: database error, trying again in %ss: %s",
                          self.settings.heartbeat_seconds, exc)
            if self._stop.wait(self.settings.heartbeat_seconds):
                break
        self._step_down(wait=True)

    def tick(self) -> None:
        """One heartbeat: keep this process's runs alive, then renew or try to take the lead."""
        self.runs.heartbeat()
        if self._scheduler is not None:
            if not self.leadership.renew():
                log.warning("%s lost the scheduler lead; stopping its scheduler", self.holder)
                self._step_down(wait=False)
                return
            recover_cut_runs(self._scheduler, self.runs, utcnow())
        elif self.leadership.try_acquire():
            log.info("%s leads the scheduler now (term %s)", self.holder, self.leadership.term)
            try:
                self._scheduler = start_scheduler(self.runtime, RunGuard(self.runs, lambda: self.leads))
            except Exception:
                # Leading without a scheduler would hold the lead for nothing: give it up,
                # so that a process that can run the jobs takes it.
                log.exception("%s could not start the scheduler; giving up the lead", self.holder)
                self.leadership.release()
                return
            recover_cut_runs(self._scheduler, self.runs, utcnow())

    def _step_down(self, wait: bool) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is None:
            return
        stop_scheduler(scheduler, wait=wait)
        if wait:
            try:
                self.leadership.release()
            except sa.exc.SQLAlchemyError as exc:
                log.warning("scheduler lead not released (%s); it runs out by itself", type(exc).__name__)
            log.info("%s released the scheduler lead", self.holder)

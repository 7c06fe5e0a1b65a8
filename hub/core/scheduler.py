"""Scheduled jobs: APScheduler 3 with its job store in the hub database.

Jobs are stored in ``apscheduler_jobs`` (created by migration 0002), so their next
run times survive restarts. Every stored job calls ``run_job(job_id)`` by textual
reference; ``run_job`` looks the job up in the running hub's core and plugin jobs and
runs it (a plugin's job with the plugin's context). Nothing but the job id is pickled, so a
plugin can change its function freely; a job whose plugin was removed is dropped
from the store at the next start.

Several processes may share the database, but only the elected leader runs this
scheduler (``hub.core.scheduling.service``). Every run goes through ``run_scheduled``,
which first claims the job in the run ledger (``hub.core.scheduling.runs``): a run
never starts while another run of the same job is alive in any process.

Core jobs: ``hub.retention`` (purge delivered messages and old inbound payloads).
Plugin jobs (``runtime.plugins.jobs()``) get the id ``PLUGIN.JOB_ID``.

APScheduler logs every run of every job at INFO ("Running job ...", "... executed
successfully"); with a file port polled every few seconds that buries the hub's own
log. Those lines are re-levelled DEBUG: they show when the hub logs at debug, and its
warnings and errors (a job that failed or missed its time) show as they are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from functools import partial
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from hub.core.errors import NotFoundError
from hub.core.observe.metrics import job_run_finished
from hub.core.queue.messages import utcnow
from hub.core.queue.retention import purge
from hub.core.runtime import HubRuntime
from hub.core.scheduling.runs import JobRuns

log = logging.getLogger("hub.scheduler")
APSCHEDULER_LOGGER = "apscheduler"

RETENTION_JOB = "hub.retention"
CLAIM_RETRY_SECONDS = 0.5
"""How often a due run asks again for a job that another live run still holds."""


class SharedEngineJobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy job store on the hub's engine. APScheduler disposes its
    store's engine when the scheduler stops; the hub's is shared with the workers, the
    election and the HTTP server, and a process that loses the lead stops its scheduler
    while they go on, so this store leaves the engine alone."""

    def shutdown(self) -> None:
        """Nothing to release: the engine belongs to the hub."""


@dataclass(frozen=True)
class RunGuard:
    """What a run must pass before it starts: the ledger claim, and ``may_run`` (this
    process still leads) while it waits for another run of the job to end."""

    runs: JobRuns
    may_run: Callable[[], bool]


@dataclass
class _Running:
    runtime: HubRuntime
    guard: RunGuard
    scheduler: BackgroundScheduler


_running: dict[str, _Running] = {}


@dataclass(frozen=True)
class ScheduledJob:
    """One job of the running hub: what it runs, and when (APScheduler's trigger and its arguments)."""

    run: Callable[[], None]
    trigger: str
    trigger_args: Mapping[str, int | float | str]
    description: str


def run_retention(runtime: HubRuntime) -> None:
    """Core job: purge what retention allows (see ``hub.core.queue.retention``), and the
    receipts of subscriptions whose messages can no longer come again."""
    result = purge(runtime.engine, runtime.settings.queue, utcnow())
    log.info("retention: purged %d messages, %d inbound payloads, %d subscription receipts and %d idempotency"
             " keys", result.messages, result.payloads, result.receipts, result.idempotency_keys)


def hub_jobs(runtime: HubRuntime) -> dict[str, ScheduledJob]:
    """Every job of this hub by id: core jobs, then each plugin's (``PLUGIN.JOB_ID``)."""
    settings = runtime.settings.queue
    jobs = {
        RETENTION_JOB: ScheduledJob(lambda: run_retention(runtime), "interval",
                                    {"minutes": settings.retention_interval_minutes},
                                    "Purge delivered messages and old inbound payloads."),
    }
    for plugin, spec in runtime.plugins.jobs():
        context = runtime.plugin_context(plugin)
        jobs[f"{plugin}.{spec.id}"] = ScheduledJob(partial(spec.func, context),
                                                   spec.trigger, spec.trigger_args, spec.description)
    return jobs


def run_job(job_id: str) -> None:
    """What every stored job calls: the job's function with the running hub's runtime."""
    running = _running.get("scheduler")
    if running is None:
        raise NotFoundError(f"job {job_id}: no hub is running in this process")
    spec = hub_jobs(running.runtime).get(job_id)
    if spec is None:
        raise NotFoundError(f"job {job_id} is stored but no loaded plugin provides it")
    spec.run()


def _schedule_key(spec: ScheduledJob) -> str:
    return f"{spec.trigger}:{sorted(spec.trigger_args.items())!r}"


def start_scheduler(runtime: HubRuntime, guard: RunGuard) -> BackgroundScheduler:
    """Start the scheduler with the hub's jobs; a stored job keeps its next run time
    unless its trigger changed. Each run passes ``guard`` first. Call ``stop_scheduler``
    on the result to stop it."""
    quiet_routine_logs()
    scheduler = BackgroundScheduler(
        jobstores={"default": SharedEngineJobStore(engine=runtime.engine)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 600},
        timezone=UTC,
    )
    _running["scheduler"] = _Running(runtime, guard, scheduler)
    scheduler.start(paused=True)
    wanted = hub_jobs(runtime)
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            log.info("removing stored job %s: no loaded plugin provides it", job.id)
            job.remove()
    for job_id, spec in wanted.items():
        stored = scheduler.get_job(job_id)
        schedule = _schedule_key(spec)
        if stored is not None and stored.kwargs.get("schedule") == schedule:
            continue
        kwargs: dict[str, Any] = {"job_id": job_id, "schedule": schedule}
        scheduler.add_job(
            f"{__name__}:run_scheduled", spec.trigger, id=job_id, name=spec.description or job_id,
            kwargs=kwargs, replace_existing=True, **spec.trigger_args,
        )
    scheduler.resume()
    return scheduler


class RoutineAtDebug(logging.Filter):
    """Re-levels a logger's INFO records DEBUG, and lets them on only where DEBUG is shown."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


ROUTINE_AT_DEBUG = RoutineAtDebug()


def quiet_routine_logs() -> None:
    """APScheduler's per-run INFO lines at DEBUG; its warnings and errors stay. A filter
    acts only on the logger it is added to, so it goes on each logger that writes them:
    the scheduler's and its (one, ``default``) executor's."""
    for name in (f"{APSCHEDULER_LOGGER}.scheduler", f"{APSCHEDULER_LOGGER}.executors.default"):
        logger = logging.getLogger(name)
        if ROUTINE_AT_DEBUG not in logger.filters:
            logger.addFilter(ROUTINE_AT_DEBUG)


def run_scheduled(job_id: str, schedule: str) -> None:
    """Stored jobs' entry point (``schedule`` only tells whether the trigger changed).

    Claims the job in the run ledger first, waiting while another live run (of a
    leader that lost the lead but still runs it) holds it; gives up if this process
    stops leading meanwhile (the new leader runs what is due)."""
    running = _running.get("scheduler")
    if running is None:
        raise NotFoundError(f"job {job_id}: no hub is running in this process")
    guard = running.guard
    while (started := guard.runs.claim(job_id)) is None:
        if not guard.may_run():
            log.warning("job %s not run: this process stopped leading while another run held it", job_id)
            return
        time.sleep(CLAIM_RETRY_SECONDS)
    outcome = "failed"
    try:
        run_job(job_id)
        outcome = "ok"
    finally:
        guard.runs.finish(job_id, started)
        job_run_finished(job_id, outcome)


def stop_scheduler(scheduler: BackgroundScheduler, wait: bool = True) -> None:
    """Stop the scheduler; with ``wait``, after the running jobs finished (a process that
    lost the lead does not wait: its runs end on their own, heartbeating until then)."""
    scheduler.shutdown(wait=wait)
    running = _running.get("scheduler")
    if running is not None and running.scheduler is scheduler:  # not a successor's in this process
        del _running["scheduler"]

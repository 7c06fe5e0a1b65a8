"""The scheduler's log: a job's routine runs are debug lines, its failures errors."""

from __future__ import annotations

import logging
import threading
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from hub import hookimpl
from hub.core import scheduler
from hub.core.plugins import JobSpec, PluginRegistry
from hub.core.runtime import HubRuntime
from hub.core.scheduling.runs import JobRuns
from hub.core.settings import HubSettings
from hub.core.store import migrate
from hub.testing.databases import sqlite_url


def _run_jobs(tmp_path: Path, jobs: dict[str, Callable[..., None]], until: list[threading.Event]) -> None:
    """Run a plugin with ``jobs`` (each every 0.05 s) under the hub's scheduler until every
    event of ``until`` is set (5 s at most each)."""

    @hookimpl
    def hub_register_jobs(registry: PluginRegistry) -> None:
        for name, job in jobs.items():
            registry.add_job(JobSpec(name, job, "interval", {"seconds": 0.05}))

    plugin = types.ModuleType("ticking_plugin")
    plugin.hub_register_jobs = hub_register_jobs  # type: ignore[attr-defined]  # a module made in the test
    runtime = HubRuntime(HubSettings(database_url=sqlite_url(tmp_path)), extra_plugins={"ticking": plugin})
    migrate.upgrade(runtime.engine)
    guard = scheduler.RunGuard(JobRuns(runtime.engine, "test-process", stale_after=15), lambda: True)
    started = scheduler.start_scheduler(runtime, guard)
    try:
        assert all(event.wait(5) for event in until)
    finally:
        scheduler.stop_scheduler(started)
        runtime.close()


def test_routine_job_runs_are_not_logged_at_info_but_a_failing_job_is(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ran = threading.Event()
    failed = threading.Event()

    def tick(runtime: HubRuntime) -> None:
        ran.set()

    def broken(runtime: HubRuntime) -> None:
        failed.set()
        raise RuntimeError("the peer is down")

    caplog.set_level(logging.INFO)
    _run_jobs(tmp_path, {"tick": tick, "broken": broken}, [ran, failed])
    routine = [r.getMessage() for r in caplog.records
               if r.name.startswith("apscheduler") and r.levelno < logging.WARNING]
    assert routine == []
    # A job's exception is logged by the executor; the scheduler's own "Error submitting job"
    # can come from a tick racing the shutdown on a loaded machine, and is not what this checks.
    errors = [r.getMessage() for r in caplog.records
              if r.name.startswith("apscheduler.executors") and r.levelno >= logging.ERROR]
    assert errors and all(e.startswith('Job "ticking.broken') and "raised an exception" in e for e in errors)


def test_routine_job_runs_show_at_debug(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ran = threading.Event()

    def tick(runtime: HubRuntime) -> None:
        ran.set()

    caplog.set_level(logging.DEBUG)
    _run_jobs(tmp_path, {"tick": tick}, [ran])
    runs = [r for r in caplog.records if r.name.startswith("apscheduler") and "executed successfully" in r.getMessage()]
    assert runs and {(r.levelno, r.levelname) for r in runs} == {(logging.DEBUG, "DEBUG")}

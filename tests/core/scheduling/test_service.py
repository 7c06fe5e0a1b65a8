"""Several processes' scheduler services on one database: one leads, a standby takes over,
and a run cut short by a dead leader is run again."""

from __future__ import annotations

import threading
import time
import types
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from hub import hookimpl
from hub.core.plugins import JobSpec, PluginRegistry
from hub.core.queue.messages import utcnow
from hub.core.runtime import HubRuntime
from hub.core.scheduling.runs import JobRuns
from hub.core.scheduling.service import SchedulerService
from hub.core.scheduling.settings import SchedulerSettings
from hub.core.settings import HubSettings
from hub.core.store import migrate

FAST = SchedulerSettings(lease_seconds=2.0, heartbeat_seconds=0.25)


class Ticks:
    """Runs of the test job, with the most that ever ran at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: list[float] = []
        self.running = 0
        self.most_at_once = 0

    def tick(self, context: object) -> None:
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
            self.runs.append(time.monotonic())


def _runtime(url: str, ticks: Ticks, seconds: float) -> HubRuntime:
    @hookimpl
    def hub_register_jobs(registry: PluginRegistry) -> None:
        registry.add_job(JobSpec("tick", ticks.tick, "interval", {"seconds": seconds}))

    plugin = types.ModuleType("ticking_plugin")
    plugin.hub_register_jobs = hub_register_jobs  # type: ignore[attr-defined]
    return HubRuntime(HubSettings(database_url=url), extra_plugins={"ticking": plugin})


@pytest.fixture
def make_runtime(database_url: str) -> Iterator[Callable[[Ticks, float], HubRuntime]]:
    made: list[HubRuntime] = []

    def make(ticks: Ticks, seconds: float) -> HubRuntime:
        runtime = _runtime(database_url, ticks, seconds)
        migrate.upgrade(runtime.engine)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_one_of_three_leads_and_a_standby_takes_over_when_it_stops(
        make_runtime: Callable[[Ticks, float], HubRuntime]) -> None:
    ticks = Ticks()
    services = [SchedulerService(make_runtime(ticks, 0.2), FAST).start() for _ in range(3)]
    try:
        assert _wait(lambda: sum(s.leads for s in services) == 1, 5)
        time.sleep(0.5)
        assert sum(s.leads for s in services) == 1
        assert _wait(lambda: len(ticks.runs) >= 3, 5)
        leader = next(s for s in services if s.leads)
        leader.stop()
        stopped_at = time.monotonic()
        rest = [s for s in services if s is not leader]
        assert _wait(lambda: sum(s.leads for s in rest) == 1, 3)
        assert _wait(lambda: any(t > stopped_at for t in ticks.runs), 3)
    finally:
        for service in services:
            if service._thread.is_alive():
                service.stop()
    assert ticks.most_at_once == 1


def test_a_run_cut_short_by_a_dead_leader_is_run_again_by_the_next(
        make_runtime: Callable[[Ticks, float], HubRuntime]) -> None:
    ticks = Ticks()
    runtime = make_runtime(ticks, 3600)  # due once an hour: only a recovery runs it within the test
    first = SchedulerService(runtime, FAST).start()
    assert _wait(lambda: first.leads, 5) and _wait(lambda: len(ticks.runs) == 0 and first.leads, 1)
    first.stop()
    # A leader that died during a run: the job store moved on, the ledger row stays unfinished.
    dead = JobRuns(runtime.engine, "dead-leader:1:abcdef", stale_after=FAST.lease_seconds)
    assert dead.claim("ticking.tick") is not None
    claimed_at = utcnow()
    second = SchedulerService(runtime, FAST).start()
    try:
        assert _wait(lambda: second.leads, 5)
        assert _wait(lambda: len(ticks.runs) == 1, 8), "the cut run was not run again"
        assert utcnow() - claimed_at >= timedelta(seconds=FAST.lease_seconds)  # not before the dead run was stale
        time.sleep(0.6)
        assert len(ticks.runs) == 1  # once: the run closed the row
    finally:
        second.stop()

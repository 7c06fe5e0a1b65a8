"""The ledger of job runs: no second run while one is alive, a dead one is taken over."""

from __future__ import annotations

import time

import sqlalchemy as sa

from hub.core.scheduling.runs import JobRuns


def test_a_job_runs_once_at_a_time_across_processes(hub_engine: sa.Engine) -> None:
    one = JobRuns(hub_engine, "one", stale_after=30)
    two = JobRuns(hub_engine, "two", stale_after=30)
    started = one.claim("billing")
    assert started is not None
    assert two.claim("billing") is None
    assert two.claim("expiry") is not None  # another job is not held up
    one.finish("billing", started)
    assert two.claim("billing") is not None


def test_a_run_without_heartbeat_is_stale_and_can_be_taken_over(hub_engine: sa.Engine) -> None:
    dead = JobRuns(hub_engine, "dead", stale_after=0.3)
    alive = JobRuns(hub_engine, "alive", stale_after=0.3)
    assert dead.claim("billing") is not None
    assert alive.claim("billing") is None and alive.stale() == []
    time.sleep(0.4)
    [stale] = alive.stale()
    assert (stale.job_id, stale.holder) == ("billing", "dead")
    taken = alive.claim("billing")
    assert taken is not None and alive.stale() == []
    dead.finish("billing", stale.started_at)  # the old run's end does not close the new one
    time.sleep(0.4)
    assert [run.holder for run in alive.stale()] == ["alive"]


def test_heartbeats_keep_a_long_run_alive(hub_engine: sa.Engine) -> None:
    slow = JobRuns(hub_engine, "slow", stale_after=0.3)
    other = JobRuns(hub_engine, "other", stale_after=0.3)
    started = slow.claim("retention")
    assert started is not None
    for _ in range(4):
        time.sleep(0.15)
        assert slow.heartbeat() == 1
        assert other.claim("retention") is None
    slow.finish("retention", started)
    assert slow.heartbeat() == 0
    assert other.claim("retention") is not None

"""Several real ``hub run`` processes on one database: exactly one reports itself
scheduler leader in ``/metrics``; after a SIGKILL of the leader another one does within
30 s, and a job never runs twice at once (a smaller ``bench/scheduler_chaos.py``)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.store import migrate
from hub.core.store.db import create_engine
from hub.core.store.tables import PluginStateRow
from hub.testing.scheduled import PLUGIN, HubProcess, RunLog, install, leaders, wait_for_one_leader

AUTH = ("ops", "leader-s3cret")
TAKEOVER_LIMIT = 30.0
RUNS_PER_LEADER = 2
"""Finished runs of the job each leader makes before it is killed (or the test ends)."""


def _folder(tmp_path: Path, url: str) -> Path:
    tmp_path.joinpath("hub.toml").write_text(f"""\
database_url = "{url}"
disabled_plugins = ["erp_sap", "ecommerce", "loyalty_pos", "contracts"]

[http]
port = 0
username = "{AUTH[0]}"
password = "{AUTH[1]}"

[scheduler]
lease_seconds = 3
heartbeat_seconds = 1

[plugins.{PLUGIN}]
log_path = "{tmp_path / 'runs.log'}"
tick_seconds = 0.5
work_seconds = 0.2
""", encoding="utf-8")
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return tmp_path


def _committed(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            table = PluginStateRow.__table__
            value = conn.execute(sa.select(table.c.value).where(table.c.plugin == PLUGIN,
                                                                table.c.name == "count.tick")).scalar_one()
    finally:
        engine.dispose()
    return list(value["runs"])


def _await_runs(log: Path, pid: int, count: int = RUNS_PER_LEADER, timeout: float = 60.0) -> None:
    """Until ``pid`` has finished ``count`` runs of the job: how many fit in a fixed time
    depends on how busy the machine is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished = [run for run in RunLog.read(log).runs["tick"] if run[0] == pid and run[2] is not None]
        except ValueError:  # a line being written
            finished = []
        if len(finished) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"hub run {pid} finished fewer than {count} runs of the job in {timeout} s")


@pytest.mark.slow
def test_one_leader_and_a_takeover_within_30_s_after_each_sigkill(database_url: str, tmp_path: Path) -> None:
    folder = _folder(tmp_path, database_url)
    env = {"PYTHONPATH": os.pathsep.join([str(install(tmp_path / "site")), os.environ.get("PYTHONPATH", "")])}
    processes = [HubProcess(folder, AUTH, env=env) for _ in range(2)]
    killed_at: dict[int, float] = {}
    takeovers: list[float] = []
    try:
        for process in processes:
            process.wait_listening()
        leader = wait_for_one_leader(processes, TAKEOVER_LIMIT)
        for _ in range(2):
            _await_runs(tmp_path / "runs.log", leader.pid)
            assert leaders(processes) == [leader]
            killed = leader.kill()
            killed_at[leader.pid] = time.time()
            processes.append(HubProcess(folder, AUTH, env=env))  # keep two running, as a supervisor would
            processes[-1].wait_listening()
            leader = wait_for_one_leader(processes, TAKEOVER_LIMIT)
            takeovers.append(time.monotonic() - killed)
        _await_runs(tmp_path / "runs.log", leader.pid)
    finally:
        codes = [process.stop() for process in processes if process.process.poll() is None]
        for process in processes:
            process.stop()  # the killed ones: closes what is left of them
    assert codes and all(code == 0 for code in codes)
    assert all(seconds < TAKEOVER_LIMIT for seconds in takeovers), takeovers
    runs = RunLog.read(tmp_path / "runs.log")
    assert runs.overlaps(killed_at) == 0
    assert runs.ended("tick") >= 3 * RUNS_PER_LEADER
    effects = runs.effects(_committed(database_url), "tick")
    assert effects["twice"] == 0 and effects["missing"] == 0  # each finished run's effect once
    last_kill = max(killed_at.values())
    assert any(start > last_kill for _, start, end in runs.runs["tick"] if end is not None)


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client.parser import text_string_to_metric_families

    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_worker_processes_deliveries_show_on_the_metrics_of_their_hub_run(
        sqlite_database_url: str, tmp_path: Path) -> None:
    import httpx

    from hub.core.queue import NewMessage, enqueue

    folder = _folder(tmp_path, sqlite_database_url)
    engine = create_engine(sqlite_database_url)
    with engine.begin() as conn:
        enqueue(conn, [NewMessage(PLUGIN, f"{PLUGIN}:partner:P{i}", "upsert", "partner", f"P{i}", 1, {})
                       for i in range(20)])
    engine.dispose()
    env = {"PYTHONPATH": os.pathsep.join([str(install(tmp_path / "site")), os.environ.get("PYTHONPATH", "")])}
    hub = HubProcess(folder, AUTH, args=("--workers", "2"), env=env)  # worker processes, not threads
    try:
        url = hub.wait_listening()
        deadline = time.monotonic() + 60
        while True:
            samples = _samples(httpx.get(f"{url}/metrics", auth=AUTH).text)
            delivered = samples.get(("hub_deliveries_total", (("outcome", "delivered"), ("system", PLUGIN))), 0)
            if delivered == 20 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        assert hub.stop() == 0
    assert delivered == 20, "".join(hub.lines)
    assert samples[("hub_delivery_attempts_count", (("system", PLUGIN),))] == 20
    assert samples[("hub_queue_messages", (("state", "ready"), ("system", PLUGIN)))] == 0
    assert [value for (name, _), value in samples.items() if name == "hub_scheduler_leader"] == [1]
    assert any(name == "hub_scheduled_job_runs_total" for name, _ in samples)  # the main process's own samples

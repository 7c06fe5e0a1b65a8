"""Chaos bench of the scheduler: kill -9 the leader again and again while jobs run.

Three real ``hub run`` processes share one database (SQLite file, or PostgreSQL) with the
default election timing (``[scheduler] lease_seconds = 15``, ``heartbeat_seconds = 5``).
The ``jobcheck`` plugin (``hub.testing.scheduled``) gives them two jobs with an
exactly-once effect: ``tick`` every second and ``slow`` every 45 s (4 s of work), each
committing its run's identity once and logging its start and end. Each round the bench SIGKILLs the
process whose ``/metrics`` says it leads (every other round in the middle of a ``slow``
run), starts a replacement, and polls every process's ``/metrics`` until one leads again.

Figures per backend:
- ``takeover_s``: SIGKILL of the leader to another process reporting
  ``hub_scheduler_leader 1`` (median, max); must stay under 30 s;
- ``most_leaders_seen``: the most processes reporting themselves leader at one poll (1);
- ``overlapping_runs``: two runs of one job at the same time (0);
- ``effects_twice`` and ``finished_runs_without_effect``: a run's committed effect found
  twice, or a finished run's not at all (both 0); ``killed_after_commit``: runs killed
  between their commit and their end line (their effect is there, once);
- ``cut_slow_runs`` and ``slow_rerun_after_kill_s``: ``slow`` runs killed mid-way, and
  how long after the kill the job had run again to the end (under its 45 s interval:
  a run cut short is run again once its holder's heartbeat is ``lease_seconds`` old,
  not left to the next due time).

Usage: ``python bench/scheduler_chaos.py [--short] [--backend sqlite|postgres|both]``.
The last line is one JSON object with every backend's figures.
"""

from __future__ import annotations

import sys

sys.path.pop(0)  # run as a script: keep bench/ off the path

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.core.store import migrate
from hub.core.store.db import create_engine
from hub.core.store.tables import PluginStateRow
from hub.testing.databases import postgres_schema
from hub.testing.scheduled import JOBS, PLUGIN, HubProcess, RunLog, install, leaders

AUTH = ("bench", "chaos-s3cret")
PROCESSES = 3
SLOW_SECONDS = 45.0
SLOW_WORK = 4.0


def _config(folder: Path, url: str) -> None:
    folder.joinpath("hub.toml").write_text(f"""\
database_url = "{url}"
disabled_plugins = ["erp_sap", "ecommerce", "loyalty_pos"]

[http]
port = 0
username = "{AUTH[0]}"
password = "{AUTH[1]}"

[plugins.{PLUGIN}]
log_path = "{folder / 'runs.log'}"
tick_seconds = 1
slow_seconds = {SLOW_SECONDS}
work_seconds = 0.3
slow_work_seconds = {SLOW_WORK}
""", encoding="utf-8")


def _committed(url: str) -> dict[str, list[str]]:
    engine = create_engine(url)
    table = PluginStateRow.__table__
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(table.c.name, table.c.value).where(table.c.plugin == PLUGIN)).all()
    finally:
        engine.dispose()
    return {name.removeprefix("count."): list(value["runs"]) for name, value in rows}


def _slow_run_start(folder: Path, pid: int) -> float | None:
    """When ``pid``'s slow run in flight started (epoch seconds), None if it runs none."""
    runs = RunLog.read(folder / "runs.log").runs["slow"]
    return runs[-1][1] if runs and runs[-1][0] == pid and runs[-1][2] is None else None


class Watch:
    """Polls every live process's /metrics; remembers the most leaders seen at once."""

    def __init__(self) -> None:
        self.most_leaders = 0

    def leader(self, processes: list[HubProcess], timeout: float) -> HubProcess | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = leaders(processes)
            self.most_leaders = max(self.most_leaders, len(found))
            if len(found) == 1:
                return found[0]
            time.sleep(0.2)
        return None


def run_backend(url: str, folder: Path, kills: int, rng: random.Random) -> dict[str, Any]:
    _config(folder, url)
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    env = {"PYTHONPATH": os.pathsep.join([str(install(folder / "site")), os.environ.get("PYTHONPATH", "")])}
    processes = [HubProcess(folder, AUTH, env=env) for _ in range(PROCESSES)]
    watch = Watch()
    killed_at: dict[int, float] = {}
    takeovers: list[float] = []
    slow_kills: list[float] = []
    failed_takeovers = 0
    started = time.time()
    try:
        for process in processes:
            process.wait_listening()
        leader = watch.leader(processes, 60)
        for round_no in range(kills):
            if leader is None:
                raise SystemExit("no leader: " + "".join(processes[0].lines[-20:]))
            if round_no % 2:
                # Wait for a slow run of this leader to start, then kill it 1 to 3 s into the run.
                deadline = time.monotonic() + SLOW_SECONDS + 10
                while ((start := _slow_run_start(folder, leader.pid)) is None or time.time() - start > 0.5) \
                        and time.monotonic() < deadline:
                    time.sleep(0.1)
                time.sleep(rng.uniform(1, SLOW_WORK - 1))
            else:
                time.sleep(rng.uniform(2, 6))
            cut_slow = _slow_run_start(folder, leader.pid) is not None
            killed = leader.kill()
            killed_at[leader.pid] = time.time()
            if cut_slow:
                slow_kills.append(killed_at[leader.pid])
            processes = [p for p in processes if p.process.poll() is None]
            processes.append(HubProcess(folder, AUTH, env=env))
            leader = watch.leader(processes, 60)
            if leader is None:
                failed_takeovers += 1
            else:
                takeovers.append(time.monotonic() - killed)
            print(f"  kill {round_no + 1}/{kills}: leader {killed_at and max(killed_at, key=killed_at.get)}"
                  f" killed{' during a slow run' if cut_slow else ''}; new leader after {takeovers[-1]:.1f}s",
                  flush=True)
        time.sleep(40)  # let a cut slow run be run again (lease 15 s + heartbeat 5 s + its work), then settle
    finally:
        for process in processes:
            process.stop()
    runs = RunLog.read(folder / "runs.log")
    committed = _committed(url)
    effects = {job: runs.effects(committed.get(job, []), job) for job in JOBS}
    rerun_after = []
    for kill in slow_kills:
        later = [end for _, start, end in runs.runs["slow"] if end is not None and start > kill]
        rerun_after.append(round(min(later) - kill, 1) if later else None)
    return {
        "kills": kills, "seconds": round(time.time() - started, 1),
        "takeover_s_median": round(statistics.median(takeovers), 2) if takeovers else None,
        "takeover_s_max": round(max(takeovers), 2) if takeovers else None,
        "takeovers_over_30s": sum(1 for t in takeovers if t >= 30) + failed_takeovers,
        "most_leaders_seen": watch.most_leaders,
        "overlapping_runs": runs.overlaps(killed_at),
        **{f"{job}_runs_ended": runs.ended(job) for job in JOBS},
        **{f"{job}_runs_cut": runs.cut(job) for job in JOBS},
        "effects_twice": sum(e["twice"] for e in effects.values()),
        "finished_runs_without_effect": sum(e["missing"] for e in effects.values()),
        "killed_after_commit": sum(e["killed_after_commit"] for e in effects.values()),
        "cut_slow_runs": len(slow_kills),
        "slow_rerun_after_kill_s": rerun_after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="4 kills per backend instead of 12.")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("HUB_TEST_POSTGRES_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--kills", type=int, default=0, help="SIGKILLs of the leader per backend.")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    kills = args.kills or (4 if args.short else 12)
    rng = random.Random(args.seed)
    results: dict[str, Any] = {"bench": "scheduler_chaos", "processes": PROCESSES, "kills_per_backend": kills}
    for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        print(f"{backend}: {PROCESSES} hub run processes, {kills} SIGKILLs of the leader", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"hub-schedchaos-{backend}-") as tmp:
            folder = Path(tmp)
            if backend == "sqlite":
                figures = run_backend(f"sqlite:///{folder / 'hub.db'}", folder, kills, rng)
            else:
                with postgres_schema(args.pg_url) as url:
                    figures = run_backend(url, folder, kills, rng)
        for key, value in figures.items():
            print(f"  {key}: {value}")
        results[backend] = figures
    print(json.dumps(results))


if __name__ == "__main__":
    main()

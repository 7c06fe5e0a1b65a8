"""Each due billing-plan date is requested exactly once: two billing runs one after the
other, two `hub contract bill` processes at once, and a run killed with kill -9 in the
middle and run again (the chaos figure is printed). SQLite and PostgreSQL."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from billing_setup import hub_env, prepared_hub, tally

from plugins.contracts.billing import run_billing
from plugins.contracts.tables import billing

HUB = str(Path(sys.executable).parent / "hub")


def test_two_runs_request_each_date_once(tmp_path: Path, database_url: str) -> None:
    runtime = prepared_hub(database_url, str(tmp_path / "mappings"), 120)
    try:
        first = run_billing(runtime.plugin_context("contracts"))
        second = run_billing(runtime.plugin_context("contracts"))
        assert (first.requested, second.requested) == (120, 0)
        assert tally(runtime.engine) == {"dates": 120, "requested": 120, "orders": 120, "erp_messages": 120,
                                         "duplicates": 0}
    finally:
        runtime.close()


def test_two_processes_request_each_date_once(tmp_path: Path, database_url: str) -> None:
    runtime = prepared_hub(database_url, str(tmp_path / "mappings"), 1500)
    try:
        env = hub_env(database_url)
        runs = [subprocess.Popen([HUB, "contract", "bill", "--json"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [run.communicate(timeout=300) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        counts = tally(runtime.engine)
        print(f"\ntwo processes: {counts}")
        assert counts == {"dates": 1500, "requested": 1500, "orders": 1500, "erp_messages": 1500, "duplicates": 0}
    finally:
        runtime.close()


def _requested(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).where(billing.c.state == "requested")).scalar_one())


def test_a_run_killed_midway_and_run_again_requests_each_date_once(tmp_path: Path, database_url: str) -> None:
    dates = 4000
    runtime = prepared_hub(database_url, str(tmp_path / "mappings"), dates)
    try:
        env = hub_env(database_url)
        run = subprocess.Popen([HUB, "contract", "bill"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while _requested(runtime.engine) == 0 and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.02)
        run.send_signal(signal.SIGKILL)
        run.wait()
        at_kill = _requested(runtime.engine)
        assert 0 < at_kill < dates, "the kill must come in the middle of the run"
        again = subprocess.run([HUB, "contract", "bill", "--json"], cwd=tmp_path, env=env, capture_output=True,
                               text=True, timeout=300)
        assert again.returncode == 0, again.stderr
        counts = tally(runtime.engine)
        print(f"\nchaos (kill -9 after {at_kill} of {dates} requested, then run again): dates {counts['dates']},"
              f" requested {counts['requested']}, billing requests {counts['orders']},"
              f" ERP messages {counts['erp_messages']}, duplicates {counts['duplicates']}")
        assert counts == {"dates": dates, "requested": dates, "orders": dates, "erp_messages": dates,
                          "duplicates": 0}
    finally:
        runtime.close()

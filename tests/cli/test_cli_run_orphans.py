"""A ``hub run`` killed with SIGKILL leaves no worker process behind."""

from __future__ import annotations

import multiprocessing
import re
import subprocess
import threading
import time
from pathlib import Path

from hub.core.queue.runner import stop_when_orphaned, worker_process_main
from hub.core.settings import HubSettings
from hub.core.store import migrate
from hub.core.store.db import create_engine
from hub.testing.scheduled import HubProcess


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except FileNotFoundError:
        return True
    return bool(re.search(r"^State:\s+Z", status, re.MULTILINE))  # a zombie has exited


def test_the_workers_of_a_killed_hub_run_drain_and_exit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    tmp_path.joinpath("hub.toml").write_text(f"""\
database_url = "{url}"
disabled_plugins = ["erp_sap", "ecommerce", "loyalty_pos", "contracts"]

[http]
port = 0
""", encoding="utf-8")
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    # A killed hub run cannot remove its samples folder: keep it in tmp_path.
    hub = HubProcess(tmp_path, ("", ""), args=("--workers", "2"),
                     env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")})
    try:
        hub.wait_listening()
        deadline = time.monotonic() + 60
        while len(workers := {int(m.group(1)) for line in hub.lines
                              if (m := re.search(r"worker \S+?:(\d+):p\d started", line))}) < 2:
            assert time.monotonic() < deadline, "".join(hub.lines)
            time.sleep(0.1)
        hub.kill()
        deadline = time.monotonic() + 15
        while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        hub.stop()
    assert all(_gone(pid) for pid in workers), f"worker processes {sorted(workers)} outlived their hub run"


def test_a_worker_whose_parent_is_another_process_stops() -> None:
    stop = threading.Event()
    stop_when_orphaned(parent=-1, stop=stop, every=0.01)
    assert stop.wait(2)


def test_a_worker_whose_parent_died_before_it_started_watching_stops(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    gone = subprocess.Popen(["true"])
    gone.wait()  # the pid of a hub run that died while its worker was still starting
    settings = HubSettings(database_url=url, mappings_dir=tmp_path / "mappings",
                           disabled_plugins=["erp_sap", "ecommerce", "loyalty_pos"])
    worker = multiprocessing.get_context("spawn").Process(
        target=worker_process_main, args=(settings, {}, "late"), kwargs={"parent": gone.pid})
    worker.start()
    worker.join(timeout=60)
    assert worker.exitcode == 0, "the worker went on without its hub run"

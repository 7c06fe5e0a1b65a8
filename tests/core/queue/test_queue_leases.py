"""Concurrency and crashes: order under parallel workers, lease expiry after a killed
worker, refusal of a late worker's results, SIGTERM drain of worker processes."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import defaultdict

import pytest
import queue_file_peer
import sqlalchemy as sa
from conftest import entry_point_plugins, make_runtime

from hub.core.queue import NewMessage, Worker, enqueue
from hub.core.queue.claim import claim, record
from hub.core.queue.deliver import Deliverer
from hub.core.queue.messages import utcnow
from hub.core.queue.runner import run_processes, worker_process_main
from hub.core.queue.tables import messages, queues
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate


def put(runtime, queue_count: int, per_queue: int, start: int = 1, system: str = "peer") -> None:
    with runtime.engine.begin() as conn:
        enqueue(conn, [NewMessage(system, f"{system}:partner:Q{q}", "upsert", "partner", f"Q{q}", v, {"v": v})
                       for v in range(start, start + per_queue) for q in range(queue_count)])


def statuses(runtime) -> dict[str, int]:
    with runtime.engine.connect() as conn:
        return dict(conn.execute(sa.select(messages.c.status, sa.func.count()).group_by(messages.c.status)).all())


def test_lease_of_a_dead_worker_expires_and_its_late_results_are_refused(database_url, peer):
    runtime = make_runtime(database_url, peer, lease_seconds=0.5)
    migrate.upgrade(runtime.engine)
    put(runtime, 1, 2)
    survivor = Worker(runtime)  # built first: the dead lease is short, start-up must not eat it
    with runtime.engine.begin() as conn:  # the worker that "dies" after claiming
        dead = claim(conn, "dead", utcnow(), 0.5, 10, 10)
    assert [m["seq"] for m in dead[0].messages] == [1, 2]
    assert survivor.run_until_idle() == 0  # leased: nobody else may take it
    time.sleep(0.6)
    survivor.run_until_idle()
    assert [m.version for m in peer.sent] == [1, 2]
    late = Deliverer(runtime, runtime.settings.queue).deliver(dead[0], {})
    with runtime.engine.begin() as conn:
        assert record(conn, "dead", [late], utcnow()) == ["peer:partner:Q0"]
    assert statuses(runtime) == {"delivered": 2}
    runtime.close()


def test_order_holds_with_parallel_workers_and_a_concurrent_writer(database_url, peer):
    runtime = make_runtime(database_url, peer, batch_size=16, per_queue_batch=3)
    migrate.upgrade(runtime.engine)
    lock = threading.Lock()
    delivered: list[tuple[str, int]] = []

    def send(message):
        time.sleep(random.random() / 2000)
        with lock:
            delivered.append((message.queue, message.payload["v"]))

    peer.send = send  # type: ignore[method-assign]
    put(runtime, 30, 10)
    stop = threading.Event()
    workers = [Worker(runtime, name=f"w{i}", stop=stop) for i in range(4)]
    threads = [threading.Thread(target=w.run) for w in workers]
    for thread in threads:
        thread.start()
    for round_ in range(1, 6):  # more changes arrive while workers run
        put(runtime, 30, 4, start=10 + round_ * 4 - 3)
        time.sleep(0.05)
    deadline = time.monotonic() + 60
    while len(delivered) < 30 * 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join()
    per_queue: dict[str, list[int]] = defaultdict(list)
    for queue, version in delivered:
        per_queue[queue].append(version)
    assert len(delivered) == 900
    assert all(versions == list(range(1, 31)) for versions in per_queue.values())
    assert sum(w.stats.refused_queues for w in workers) == 0
    runtime.close()


def file_peer_settings(url: str, path: str, **queue) -> HubSettings:
    return HubSettings(
        database_url=url, disabled_plugins=entry_point_plugins(),
        plugins={"filepeer": {"path": path, "delay": 0.002}}, queue=queue,
    )


@pytest.mark.slow
def test_worker_killed_mid_batch_loses_nothing(database_url, tmp_path):
    import multiprocessing

    log = str(tmp_path / "sent.log")
    settings = file_peer_settings(database_url, log, lease_seconds=1.0, batch_size=20, per_queue_batch=5)
    runtime = HubRuntime(settings, extra_plugins={"filepeer": queue_file_peer})
    migrate.upgrade(runtime.engine)
    put(runtime, 10, 30, system="filepeer")
    victim = multiprocessing.get_context("spawn").Process(
        target=worker_process_main, args=(settings, {"filepeer": "queue_file_peer"}, "victim"))
    victim.start()
    deadline = time.monotonic() + 60
    while len(queue_file_peer.read_log(log)) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(victim.pid, signal.SIGKILL)
    victim.join()
    killed_at = len(queue_file_peer.read_log(log))
    assert 40 <= killed_at < 300
    time.sleep(1.1)  # the victim's leases expire
    Worker(runtime).run_until_idle()
    sends = queue_file_peer.read_log(log)
    assert statuses(runtime) == {"delivered": 300}
    assert {key for key, _, _ in sends} == {f"filepeer:partner:Q{q}#{s}" for q in range(10) for s in range(1, 31)}
    applied: dict[str, int] = defaultdict(int)  # what an idempotent receiver applies
    seen: set[str] = set()
    for key, queue, seq in sends:
        if key not in seen:
            seen.add(key)
            assert seq == applied[queue] + 1, f"{queue}: got {seq} after {applied[queue]}"
            applied[queue] = seq
    assert len(sends) - len(seen) <= 20  # only the victim's unrecorded batch came twice
    runtime.close()


@pytest.mark.slow
def test_sigterm_drains_worker_processes(database_url, tmp_path):
    log = str(tmp_path / "sent.log")
    settings = file_peer_settings(database_url, log, batch_size=20, per_queue_batch=5)
    runtime = HubRuntime(settings, extra_plugins={"filepeer": queue_file_peer})
    migrate.upgrade(runtime.engine)
    put(runtime, 10, 100, system="filepeer")
    stop = threading.Event()
    result: list[list[int | None]] = []
    runner = threading.Thread(target=lambda: result.append(
        run_processes(settings, 2, stop, {"filepeer": "queue_file_peer"})))
    runner.start()
    deadline = time.monotonic() + 60
    while len(queue_file_peer.read_log(log)) < 60 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()  # run_processes sends SIGTERM to each worker and waits
    runner.join(timeout=60)
    assert result == [[0, 0]]
    sends = queue_file_peer.read_log(log)
    assert len(sends) < 1000
    counts = statuses(runtime)
    assert counts.get("delivered") == len(sends) == len({k for k, _, _ in sends})  # in flight was recorded
    assert counts.get("queued") == 1000 - len(sends)
    with runtime.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(queues.c.lease_owner.is_not(None))).scalar_one() == 0
    runtime.close()

"""The task queues the hub's replication queue is compared with, each set up as its own
documentation recommends, and a run that refuses to report a number when one of them erred.

- huey: one consumer with worker threads (huey's default and recommended worker type
  for tasks that do not burn CPU), on SQLite and on Redis;
- procrastinate: one worker process per core, each running jobs concurrently
  (``concurrency``), on PostgreSQL;
- Celery: RabbitMQ as the broker, the prefork pool with one child per core, results
  ignored and a prefetch multiplier of 64, as Celery's "Optimizing" guide advises for
  many short tasks.

Every baseline's task appends one byte to a tally file (``O_APPEND`` makes each write
atomic across processes and threads), so "done" means every task ran, not that a queue
looks empty while tasks still sit in a worker's prefetch buffer. A baseline whose
workers log an error, or whose tally stops short, raises ``BaselineFailed``: a broken
configuration must fail the bench, not print a low number that a ratio is built on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

REDIS_URL = os.environ.get("HUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
AMQP_URL = os.environ.get("HUB_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
CORES = os.cpu_count() or 1
HUEY_THREADS = 4
PROCRASTINATE_CONCURRENCY = 4
CELERY_PREFETCH = 64
ERROR_MARKERS = ("Traceback", "ERROR", "CRITICAL", "database is locked")
_tally_fd: int | None = None


class BaselineFailed(RuntimeError):
    """A baseline erred or did not run every task: its figure would mean nothing."""


def count_one() -> None:
    """Add one to the tally of tasks run (the file named by ``BENCH_TALLY``)."""
    global _tally_fd
    if _tally_fd is None:
        _tally_fd = os.open(os.environ["BENCH_TALLY"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(_tally_fd, b".")


@dataclass
class Run:
    """One baseline's figure: tasks per second from the start signal to the last task run."""

    name: str
    setup: str
    msgs_s: float


# -- the applications, as each library's users write them ------------------------------


def huey_app(storage: str, where: str) -> tuple[Any, Any]:
    from huey import RedisHuey, SqliteHuey

    huey = SqliteHuey(filename=where) if storage == "sqlite" else RedisHuey("hub-bench", url=where)

    @huey.task(name="noop")
    def noop(i: int) -> None:
        count_one()

    return huey, noop


def procrastinate_app(pg_url: str, schema: str) -> tuple[Any, Any]:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(
        conninfo=pg_url, kwargs={"options": f"-csearch_path={schema}"}))

    @app.task(name="noop")
    def noop(i: int) -> None:
        count_one()

    return app, noop


def celery_app(queue: str) -> tuple[Any, Any]:
    from celery import Celery

    app = Celery("hub_bench", broker=AMQP_URL)
    app.conf.update(task_ignore_result=True, worker_prefetch_multiplier=CELERY_PREFETCH,
                    task_default_queue=queue, worker_hijack_root_logger=False)

    @app.task(name="noop")
    def noop(i: int) -> None:
        count_one()

    return app, noop


# -- the worker side: run in a child process by ``bench/queue.py --role ...`` ----------


def wait_for(go: str) -> None:
    Path(f"{go}.ready.{os.getpid()}").touch()
    while not os.path.exists(go):
        time.sleep(0.005)


def huey_worker(storage: str, where: str, go: str) -> None:
    logging.basicConfig(level=logging.WARNING)
    huey, _ = huey_app(storage, where)
    consumer = huey.create_consumer(workers=HUEY_THREADS, worker_type="thread", periodic=False)
    wait_for(go)
    consumer.run()


def procrastinate_worker(pg_url: str, schema: str, go: str) -> None:
    logging.basicConfig(level=logging.WARNING)
    app, _ = procrastinate_app(pg_url, schema)
    wait_for(go)
    app.run_worker(concurrency=PROCRASTINATE_CONCURRENCY, wait=False, install_signal_handlers=False)


def celery_worker(queue: str, go: str) -> None:
    """The worker starts consuming only a placeholder queue; the bench adds the loaded one
    (``add_consumer``) at its start signal, so the worker's own start-up is not timed."""
    logging.basicConfig(level=logging.WARNING)
    app, _ = celery_app(queue)

    from celery.signals import worker_ready

    @worker_ready.connect
    def ready(**_: Any) -> None:
        Path(f"{go}.ready.{os.getpid()}").touch()

    app.worker_main(["worker", "--pool=prefork", f"--concurrency={CORES}", "--loglevel=WARNING",
                     f"--queues={queue}-idle", f"--hostname=bench-{os.getpid()}@{socket.gethostname()}"])


# -- the bench side ----------------------------------------------------------------------


class Children:
    """Worker processes started from ``script`` with their output in one log, stopped and
    checked for errors afterwards."""

    def __init__(self, script: Path, tmp: Path, name: str, argv: list[str], count: int) -> None:
        self.go = str(tmp / f"go-{name}-{uuid.uuid4().hex}")
        self.log = tmp / f"{name}.log"
        self.tally = tmp / f"{name}.tally"
        self.tally.touch()
        env = {**os.environ, "BENCH_TALLY": str(self.tally)}
        with self.log.open("ab") as log:
            self.procs = [subprocess.Popen([sys.executable, str(script), *argv, "--go", self.go], env=env,
                                           stdout=log, stderr=subprocess.STDOUT) for _ in range(count)]
        deadline = time.monotonic() + 120
        while sum(os.path.exists(f"{self.go}.ready.{p.pid}") for p in self.procs) < count:
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                self.stop()
                raise BaselineFailed(f"{name}: workers did not start; {self.errors() or 'no output'}")
            time.sleep(0.01)

    def drain(self, total: int, start: Callable[[], None] | None = None, timeout: float = 600) -> float:
        """Give the start signal and return tasks/s once the tally reaches ``total``."""
        began = time.perf_counter()
        Path(self.go).touch()
        if start is not None:
            start()
        while (done := self.tally.stat().st_size) < total:
            if time.perf_counter() - began > timeout or any(p.poll() is not None for p in self.procs):
                raise BaselineFailed(f"{self.log.stem}: {done:,} of {total:,} tasks ran; "
                                     f"{self.errors() or 'no error logged'}")
            time.sleep(0.005)
        return total / (time.perf_counter() - began)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(sig)
        for proc in self.procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def errors(self) -> str:
        lines = self.log.read_text(errors="replace").splitlines()
        bad = [line for line in lines if any(marker in line for marker in ERROR_MARKERS)]
        return f"{len(bad)} error line(s) in {self.log}, first: {bad[0].strip()}" if bad else ""

    def check(self, tally_expected: int) -> None:
        if problems := self.errors():
            raise BaselineFailed(f"{self.log.stem}: {problems}")
        if (ran := self.tally.stat().st_size) != tally_expected:
            raise BaselineFailed(f"{self.log.stem}: {ran:,} tasks ran, {tally_expected:,} were queued")


def run_huey(script: Path, tmp: Path, total: int, storage: str) -> Run:
    where = str(tmp / "huey.db") if storage == "sqlite" else REDIS_URL
    huey, noop = huey_app(storage, where)
    huey.flush()
    for i in range(total):
        noop(i)
    children = Children(script, tmp, f"huey-{storage}", ["--role", "huey", "--storage", storage, "--db", where], 1)
    try:
        rate = children.drain(total)
    finally:
        children.stop(signal.SIGINT)
    children.check(total)
    huey.flush()
    return Run(f"huey_{storage}", f"huey {storage}, 1 consumer x {HUEY_THREADS} threads", rate)


def run_procrastinate(script: Path, tmp: Path, total: int, pg_url: str) -> Run:
    schema = f"bench_procr_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        app, noop = procrastinate_app(pg_url, schema)

        async def prepare() -> None:
            async with app.open_async():
                await app.schema_manager.apply_schema_async()
                for first in range(0, total, 5_000):
                    await noop.batch_defer_async(*({"i": i} for i in range(first, min(total, first + 5_000))))

        asyncio.run(prepare())
        children = Children(script, tmp, "procrastinate",
                            ["--role", "procrastinate", "--pg-url", pg_url, "--schema", schema], CORES)
        try:
            rate = children.drain(total)
        finally:
            children.stop()
        children.check(total)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()
    return Run("procrastinate_pg", f"procrastinate PostgreSQL, {CORES} processes x concurrency "
               f"{PROCRASTINATE_CONCURRENCY}", rate)


def run_celery(script: Path, tmp: Path, total: int) -> Run:
    queue = f"hub-bench-{uuid.uuid4().hex[:8]}"
    app, noop = celery_app(queue)
    with app.connection_for_write() as conn, conn.Producer() as producer:
        for i in range(total):
            noop.apply_async((i,), producer=producer)
    children = Children(script, tmp, "celery", ["--role", "celery", "--queue", queue], 1)
    try:
        worker = f"bench-{children.procs[0].pid}@{socket.gethostname()}"
        rate = children.drain(total, start=lambda: app.control.add_consumer(queue, reply=True, timeout=10,
                                                                           destination=[worker]))
    finally:
        children.stop()
        with app.connection_for_write() as conn:
            channel = conn.default_channel
            channel.queue_delete(queue)
            channel.queue_delete(f"{queue}-idle")
    children.check(total)
    return Run("celery_rabbitmq", f"Celery RabbitMQ, prefork x {CORES}, prefetch x {CELERY_PREFETCH}", rate)


def run_all(script: Path, tmp: Path, total: int, pg_url: str) -> tuple[list[Run], dict[str, str]]:
    """Every baseline in turn; the failures by name, with their reason, beside the runs."""
    runs: list[Run] = []
    failed: dict[str, str] = {}
    attempts: dict[str, Callable[[], Run]] = {
        "huey_sqlite": lambda: run_huey(script, tmp, total, "sqlite"),
        "huey_redis": lambda: run_huey(script, tmp, total, "redis"),
        "procrastinate_pg": lambda: run_procrastinate(script, tmp, total, pg_url),
        "celery_rabbitmq": lambda: run_celery(script, tmp, total),
    }
    for name, attempt in attempts.items():
        try:
            run = attempt()
        except BaselineFailed as error:
            failed[name] = str(error)
            print(f"baseline {name} FAILED: {error}", flush=True)
            continue
        runs.append(run)
        print(f"{run.setup}: {run.msgs_s:,.0f} msgs/s", flush=True)
    return runs, failed


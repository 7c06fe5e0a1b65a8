"""Throughput and latency of the replication queue, side by side with huey, procrastinate and Celery.

The same no-op delivery workload (N messages over 1,000 queues, enqueued first,
then drained by workers that start together on a signal) runs through:
hub on SQLite with 1 and 2 worker processes, hub on PostgreSQL with 1, 2 and 4, and
the baselines of ``bench/task_queues.py``, each as its documentation recommends (huey on
SQLite and Redis, procrastinate, Celery with RabbitMQ); a baseline that errs fails the
bench, and the ratio printed is against the best of them. Then: enqueue-to-delivery
latency at a steady 1,000 msgs/s (hub on SQLite and PostgreSQL, one worker), a worker's
RSS while a million messages are queued, and how fast ``hub status`` answers with them
in the store.

Usage: ``python bench/queue.py [--short] [--parts pg,latency] [--cpu-hog N]``; the last line
is JSON with every figure. ``--parts`` runs only the named parts (``sqlite``, ``pg``,
``baselines``, ``latency``, ``big``); ``--cpu-hog N`` keeps N CPU-bound processes (a busy
loop each) running through every measurement, to see what a busy machine does to the
throughput and the latency.
"""

from __future__ import annotations

import sys

sys.path.pop(0)  # run as a script: bench/queue.py must not shadow the stdlib ``queue``
sys.path.append(__file__.rsplit("/", 1)[0])  # last, for task_queues: the stdlib's ``queue`` still comes first

import argparse
import json
import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import sqlalchemy as sa
import task_queues
from pydantic import BaseModel, ConfigDict

from hub import hookimpl
from hub.api import OutboundMessage, PluginContext
from hub.core.plugins import TransportSpec
from hub.core.queue import NewMessage, Worker, enqueue
from hub.core.queue.messages import utcnow
from hub.core.queue.runner import install_drain_handlers
from hub.core.queue.status import queue_status
from hub.core.queue.tables import queues
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate

SYSTEM = "bench"
QUEUE_COUNT = 1_000
LATENCY_RATE = 1_000
HERE = Path(__file__).resolve()
PARTS = ("sqlite", "pg", "baselines", "latency", "big")


# -- the bench transport (this module is the plugin) --------------------------------


class NoopPeer:
    def send(self, message: OutboundMessage) -> None:
        return None


class LatencyPeer:
    """Records, per message, seconds from the enqueue time in its payload to now."""

    def __init__(self, out: str) -> None:
        self.out = out
        self.latencies: list[float] = []

    def send(self, message: OutboundMessage) -> None:
        self.latencies.append(time.time() - message.payload["t"])

    def close(self) -> None:
        Path(self.out).write_text(json.dumps(self.latencies))


class BenchPeerSettings(BaseModel):
    """``[plugins.bench]``: ``mode = "latency"`` records each message's latency into ``out``."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["noop", "latency"] = "noop"
    out: str = ""


def _factory(context: PluginContext) -> NoopPeer | LatencyPeer:
    settings = context.settings_as(BenchPeerSettings)
    if settings.mode == "latency":
        return LatencyPeer(settings.out)
    return NoopPeer()


@hookimpl
def hub_register_settings(registry: Any) -> None:
    registry.set_settings(BenchPeerSettings)


@hookimpl
def hub_register_transports(registry: Any) -> None:
    registry.add_transport(TransportSpec("noop", _factory, ("partner",)))


def hub_settings(url: str, **plugin: Any) -> HubSettings:
    return HubSettings(database_url=url, plugins={SYSTEM: plugin},
                       disabled_plugins=[ep.name for ep in metadata.entry_points(group="crm_hub.plugins")])


def hub_runtime(url: str, **plugin: Any) -> HubRuntime:
    return HubRuntime(hub_settings(url, **plugin), extra_plugins={SYSTEM: sys.modules[__name__]})


# -- roles run in child processes ------------------------------------------------------


def wait_for(go: str) -> None:
    Path(f"{go}.ready.{os.getpid()}").touch()
    while not os.path.exists(go):
        time.sleep(0.005)


def hub_worker_role(args: argparse.Namespace) -> None:
    stop = threading.Event()
    install_drain_handlers(stop.set)
    runtime = hub_runtime(args.db, mode=args.mode, out=args.out or "")
    worker = Worker(runtime, name=f"bench{os.getpid()}", stop=stop)
    with runtime.engine.connect():
        pass  # connect before the start signal, as a long-running worker would be
    wait_for(args.go)
    worker.run()
    runtime.close()


def huey_role(args: argparse.Namespace) -> None:
    task_queues.huey_worker(args.storage, args.db, args.go)


def procrastinate_role(args: argparse.Namespace) -> None:
    task_queues.procrastinate_worker(args.pg_url, args.schema, args.go)


def celery_role(args: argparse.Namespace) -> None:
    task_queues.celery_worker(args.queue, args.go)


def hog_role(args: argparse.Namespace) -> None:
    """Burn one core until stopped: the CPU-bound neighbour of ``--cpu-hog``."""
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    while True:
        sum(i * i for i in range(10_000))


# -- helpers of the bench process ----------------------------------------------------


class PgSchema:
    """A PostgreSQL schema of its own for one run, dropped afterwards."""

    def __init__(self, base_url: str, prefix: str) -> None:
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.admin = sa.create_engine(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {self.name}")
        sep = "&" if "?" in base_url else "?"
        self.url = f"{base_url}{sep}options={quote(f'-csearch_path={self.name}')}"

    def drop(self) -> None:
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {self.name} CASCADE")
        self.admin.dispose()


def load() -> str:
    """The one-minute load average, to print beside a figure (the machine is shared)."""
    return f" [load {os.getloadavg()[0]:.2f}]"


def start_hogs(count: int) -> list[subprocess.Popen[bytes]]:
    """``count`` CPU-bound processes (``--role hog``), stopped by ``stop_children``."""
    return [subprocess.Popen([sys.executable, str(HERE), "--role", "hog"]) for _ in range(count)]


def start_children(argv: list[str], count: int, go: str) -> list[subprocess.Popen[bytes]]:
    children = [subprocess.Popen([sys.executable, str(HERE), *argv, "--go", go]) for _ in range(count)]
    deadline = time.monotonic() + 120
    while sum(os.path.exists(f"{go}.ready.{c.pid}") for c in children) < count:
        if time.monotonic() > deadline:
            raise RuntimeError("workers did not start within 120 s")
        time.sleep(0.01)
    return children


def stop_children(children: list[subprocess.Popen[bytes]], sig: int = signal.SIGTERM) -> None:
    for child in children:
        child.send_signal(sig)
    for child in children:
        child.wait(timeout=120)


def timed_drain(go: str, pending: Any, total: int) -> float:
    """Seconds from the start signal until ``pending()`` says everything was handled."""
    start = time.perf_counter()
    Path(go).touch()
    while pending() > 0:
        time.sleep(0.005)
    return total / (time.perf_counter() - start)


def fill(runtime: HubRuntime, total: int, queue_count: int, chunk: int = 5_000, payload: Any = None) -> float:
    """Enqueue ``total`` messages spread round-robin over the queues; returns msgs/s."""
    start = time.perf_counter()
    for first in range(0, total, chunk):
        with runtime.engine.begin() as conn:
            enqueue(conn, [NewMessage(SYSTEM, f"{SYSTEM}:partner:{i % queue_count}", "upsert", "partner",
                                      str(i % queue_count), i // queue_count + 1, payload or {"i": i})
                           for i in range(first, min(total, first + chunk))])
    return total / (time.perf_counter() - start)


def pending_of(runtime: HubRuntime) -> Any:
    statement = sa.select(sa.func.coalesce(sa.func.sum(queues.c.last_seq - queues.c.done_seq), 0))

    def pending() -> int:
        with runtime.engine.connect() as conn:
            return int(conn.execute(statement).scalar_one())

    return pending


# -- the measurements ----------------------------------------------------------------


def hub_throughput(url: str, workers: int, total: int, tmp: Path) -> tuple[float, float]:
    runtime = hub_runtime(url)
    migrate.upgrade(runtime.engine)
    enqueue_rate = fill(runtime, total, QUEUE_COUNT)
    go = str(tmp / f"go-{uuid.uuid4().hex}")
    children = start_children(["--role", "worker", "--db", url, "--mode", "noop"], workers, go)
    rate = timed_drain(go, pending_of(runtime), total)
    stop_children(children)
    runtime.close()
    return rate, enqueue_rate


def hub_latency(url: str, seconds: float, tmp: Path) -> tuple[float, float, int]:
    """p50 and p99 (ms) of enqueue-to-delivery at a steady LATENCY_RATE msgs/s."""
    runtime = hub_runtime(url)
    migrate.upgrade(runtime.engine)
    out = str(tmp / f"latency-{uuid.uuid4().hex}.json")
    go = str(tmp / f"go-{uuid.uuid4().hex}")
    children = start_children(["--role", "worker", "--db", url, "--mode", "latency", "--out", out], 1, go)
    Path(go).touch()
    tick, per_tick, sent = 0.01, LATENCY_RATE // 100, 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        with runtime.engine.begin() as conn:
            enqueue(conn, [NewMessage(SYSTEM, f"{SYSTEM}:partner:{(sent + k) % QUEUE_COUNT}", "upsert", "partner",
                                      str((sent + k) % QUEUE_COUNT), 1, {"t": time.time()})
                           for k in range(per_tick)])
        sent += per_tick
        time.sleep(max(0.0, start + (sent // per_tick) * tick - time.perf_counter()))
    pending = pending_of(runtime)
    while pending() > 0:
        time.sleep(0.01)
    stop_children(children)
    runtime.close()
    values = sorted(json.loads(Path(out).read_text()))
    return (round(statistics.median(values) * 1000, 2), round(values[int(len(values) * 0.99) - 1] * 1000, 2),
            len(values))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def big_store(url: str, total: int, seconds: float, tmp: Path) -> dict[str, Any]:
    """Worker RSS while ``total`` messages are queued, then ``hub status`` on that store."""
    runtime = hub_runtime(url)
    migrate.upgrade(runtime.engine)
    enqueue_rate = fill(runtime, total, 10_000, chunk=20_000)
    go = str(tmp / f"go-{uuid.uuid4().hex}")
    children = start_children(["--role", "worker", "--db", url, "--mode", "noop"], 1, go)
    pid = children[0].pid
    samples = [rss_kib(pid)]
    Path(go).touch()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.25)
        samples.append(rss_kib(pid))
    stop_children(children)
    left = pending_of(runtime)()
    with runtime.engine.connect() as conn:
        started = time.perf_counter()
        report = queue_status(conn, utcnow(), limit=100)
        status_ms = (time.perf_counter() - started) * 1000
    env = {**os.environ, "HUB_DATABASE_URL": url}
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "hub"), "status", "--json"], cwd=tmp, env=env,
                   check=True, capture_output=True)
    cli_s = time.perf_counter() - started
    runtime.close()
    settled = samples[len(samples) // 4 :]
    return {
        "messages_stored": total, "enqueue_msgs_s": round(enqueue_rate), "messages_left_queued": left,
        "worker_rss_mib_start": round(samples[0] / 1024, 1),
        "worker_rss_mib_after_warmup": round(settled[0] / 1024, 1),
        "worker_rss_mib_peak": round(max(samples) / 1024, 1),
        "worker_rss_mib_end": round(samples[-1] / 1024, 1),
        "status_query_ms": round(status_ms, 1), "status_queues_active": report.totals["queues"],
        "hub_status_cli_s": round(cli_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--role", choices=["bench", "worker", "huey", "procrastinate", "celery", "hog"],
                        default="bench")
    parser.add_argument("--short", action="store_true", help="Finish in about two minutes.")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"Comma-separated parts to run, of: {', '.join(PARTS)} (default: all).")
    parser.add_argument("--cpu-hog", type=int, default=0, metavar="N",
                        help="Keep N CPU-bound processes running through the measurements.")
    parser.add_argument("--pg-url", default=os.environ.get("HUB_TEST_POSTGRES_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--messages", type=int, default=0, help="Throughput workload size.")
    parser.add_argument("--big", type=int, default=0, help="Messages queued for the RSS/status check.")
    parser.add_argument("--db")
    parser.add_argument("--go")
    parser.add_argument("--mode", default="noop")
    parser.add_argument("--out")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--schema")
    parser.add_argument("--storage", choices=["sqlite", "redis"], default="sqlite")
    parser.add_argument("--queue")
    args = parser.parse_args()
    roles = {"worker": hub_worker_role, "huey": huey_role, "procrastinate": procrastinate_role,
             "celery": celery_role, "hog": hog_role}
    if args.role in roles:
        roles[args.role](args)
        return
    parts = set(args.parts.split(","))
    if parts - set(PARTS):
        parser.error(f"unknown part(s) {', '.join(sorted(parts - set(PARTS)))}; known: {', '.join(PARTS)}")
    hogs = start_hogs(args.cpu_hog)
    try:
        figures = measure(args, parts)
    finally:
        stop_children(hogs)
    print(json.dumps(figures))
    if figures.get("failed_baselines"):
        sys.exit(f"failed: {len(figures['failed_baselines'])} baseline(s) erred; their figures would mean nothing")


def measure(args: argparse.Namespace, parts: set[str]) -> dict[str, Any]:
    """Run the chosen parts; returns every figure by name."""
    total = args.messages or (20_000 if args.short else 100_000)
    big = args.big or (200_000 if args.short else 1_000_000)
    figures: dict[str, Any] = {"messages": total, "queues": QUEUE_COUNT, "cpu_hogs": args.cpu_hog,
                               "load_average": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for workers in (1, 2) if "sqlite" in parts else ():
            rate, enq = hub_throughput(f"sqlite:///{tmp}/hub-{workers}.db", workers, total, tmp)
            figures[f"hub_sqlite_{workers}w_msgs_s"] = round(rate)
            figures["hub_sqlite_enqueue_msgs_s"] = round(enq)
            print(f"hub SQLite, {workers} worker(s): {rate:,.0f} msgs/s (enqueue {enq:,.0f} msgs/s)"
                  f"{load()}", flush=True)
        for workers in (1, 2, 4) if "pg" in parts else ():
            schema = PgSchema(args.pg_url, "bench_hub")
            rate, enq = hub_throughput(schema.url, workers, total, tmp)
            schema.drop()
            figures[f"hub_pg_{workers}p_msgs_s"] = round(rate)
            figures["hub_pg_enqueue_msgs_s"] = round(enq)
            print(f"hub PostgreSQL, {workers} process(es): {rate:,.0f} msgs/s (enqueue {enq:,.0f} msgs/s)"
                  f"{load()}", flush=True)
        if "baselines" in parts:
            baselines(figures, tmp, total, args.pg_url)
        seconds = 5 if args.short else 15
        if "latency" in parts:
            latencies(figures, tmp, seconds, args.pg_url)
        if "big" in parts:
            big_figures(figures, tmp, big, 6 if args.short else 15)
    return figures


def baselines(figures: dict[str, Any], tmp: Path, total: int, pg_url: str) -> None:
    """The baselines' figures, and the hub's best (of the parts run) against the best of them."""
    runs, failed = task_queues.run_all(HERE, tmp, total, pg_url)
    figures.update({f"{run.name}_msgs_s": round(run.msgs_s) for run in runs})
    figures["baselines"] = {run.name: run.setup for run in runs}
    figures["failed_baselines"] = failed
    hub = [figures[key] for key in figures if key.startswith("hub_") and key.endswith("w_msgs_s")
           or key.startswith("hub_pg_") and key.endswith("p_msgs_s")]
    if runs and hub:
        hub_best = max(hub)
        best = max(runs, key=lambda run: run.msgs_s)
        figures["best_baseline"] = best.name
        figures["ratio_hub_vs_best_baseline"] = round(hub_best / best.msgs_s, 2)
        print(f"ratio: the hub's best {hub_best:,} msgs/s against the best baseline ({best.setup}, "
              f"{best.msgs_s:,.0f} msgs/s): {figures['ratio_hub_vs_best_baseline']}x", flush=True)


def latencies(figures: dict[str, Any], tmp: Path, seconds: float, pg_url: str) -> None:
    """p50 and p99 at LATENCY_RATE msgs/s on SQLite and on PostgreSQL, with the rate the
    enqueuer reached: on a busy machine it falls short, and the figures are then not
    those of LATENCY_RATE."""
    p50, p99, n = hub_latency(f"sqlite:///{tmp}/latency.db", seconds, tmp)
    figures.update(latency_sqlite_p50_ms=p50, latency_sqlite_p99_ms=p99, latency_sqlite_rate_msgs_s=round(n / seconds))
    print(f"latency at {LATENCY_RATE} msgs/s, hub SQLite: p50 {p50} ms, p99 {p99} ms ({n} messages, "
          f"{n / seconds:,.0f} msgs/s reached){load()}", flush=True)
    schema = PgSchema(pg_url, "bench_lat")
    p50, p99, n = hub_latency(schema.url, seconds, tmp)
    schema.drop()
    figures.update(latency_pg_p50_ms=p50, latency_pg_p99_ms=p99, latency_pg_rate_msgs_s=round(n / seconds))
    print(f"latency at {LATENCY_RATE} msgs/s, hub PostgreSQL: p50 {p50} ms, p99 {p99} ms ({n} messages, "
          f"{n / seconds:,.0f} msgs/s reached){load()}", flush=True)


def big_figures(figures: dict[str, Any], tmp: Path, big: int, seconds: float) -> None:
    """Worker RSS with ``big`` messages queued, and ``hub status`` on that store."""
    store = big_store(f"sqlite:///{tmp}/big.db", big, seconds, tmp)
    figures.update({f"big_{k}": v for k, v in store.items()})
    print(f"{big:,} messages queued (enqueue {store['enqueue_msgs_s']:,} msgs/s): worker RSS "
          f"{store['worker_rss_mib_start']} MiB at start, {store['worker_rss_mib_after_warmup']} after warm-up, "
          f"peak {store['worker_rss_mib_peak']}, end {store['worker_rss_mib_end']}; hub status query "
          f"{store['status_query_ms']} ms ({store['status_queues_active']} active queues), "
          f"`hub status --json` wall time {store['hub_status_cli_s']} s", flush=True)


if __name__ == "__main__":
    main()

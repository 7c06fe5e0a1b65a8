"""Chaos bench of the replication queue: messages must survive SIGKILLed workers.

20,000 messages over 500 queues are delivered by 4 worker processes to a real HTTP
receiver process on 127.0.0.1 while this script SIGKILLs a random worker at random
moments (at least 20 times) and restarts it. The receiver applies each idempotency
key once and checks that every queue's messages arrive in order.

Figures per backend:
- ``lost``: messages the receiver never applied (or not all marked delivered);
- ``duplicates_seen_by_receiver``: deliveries the receiver could not explain by a
  crash: the same logical message under a second idempotency key, or a redelivery
  whose first delivery came from a worker that was never killed;
- ``out_of_order``: a queue's message applied when it was not the next one;
- ``raw_redeliveries``: same key sent again after its worker was killed between
  sending and recording (absorbed by the receiver's idempotency), printed honestly.

Usage: ``python bench/chaos.py [--short] [--backend sqlite|postgres|both]``. The last
lines are one JSON object per backend (the very last is the last backend's).
"""

from __future__ import annotations

import sys

sys.path.pop(0)  # run as a script: keep bench/ off the path

import argparse
import json
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict

from hub import hookimpl
from hub.api import OutboundMessage
from hub.core.errors import TransientError
from hub.core.plugins import TransportSpec
from hub.core.queue import NewMessage, Worker, enqueue
from hub.core.queue.runner import install_drain_handlers
from hub.core.queue.tables import messages, queues
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate

SYSTEM = "chaos"
QUEUE_SETTINGS = {"lease_seconds": 2.0, "batch_size": 200, "per_queue_batch": 10, "poll_interval": 0.01,
                  "retry": {"max_attempts": 1000, "multiplier": 0.05, "min_wait": 0.05, "max_wait": 1.0}}


# -- receiver process ---------------------------------------------------------------


class Ledger:
    """What the receiver applied, checked for order and duplicates."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.first_sender: dict[str, int] = {}
        self.applied_n: set[int] = set()
        self.last_j: dict[str, int] = {}
        self.received = 0
        self.redelivered_from: list[int] = []
        self.second_key_for_same_message = 0
        self.out_of_order = 0

    def take(self, key: str, pid: int, queue: str, n: int, j: int) -> bool:
        with self.lock:
            self.received += 1
            if key in self.first_sender:
                self.redelivered_from.append(self.first_sender[key])
                return False
            self.first_sender[key] = pid
            if n in self.applied_n:
                self.second_key_for_same_message += 1
            self.applied_n.add(n)
            if j != self.last_j.get(queue, 0) + 1:
                self.out_of_order += 1
            self.last_j[queue] = max(j, self.last_j.get(queue, 0))
            return True

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"received": self.received, "applied": len(self.applied_n),
                    "redelivered_from": self.redelivered_from,
                    "second_key_for_same_message": self.second_key_for_same_message,
                    "out_of_order": self.out_of_order}


LEDGER = Ledger()


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response and no Nagle: otherwise delayed ACKs cost 40 ms a request.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def _reply(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        raw = self.rfile.read(length)
        if len(raw) < length:  # the sender was killed mid-request: nothing was delivered
            self.close_connection = True
            return
        body = json.loads(raw)
        if self.path == "/reset":
            with LEDGER.lock:
                LEDGER.reset()
            self._reply({"ok": True})
            return
        applied = LEDGER.take(self.headers["Idempotency-Key"], int(self.headers["X-Worker-Pid"]),
                              body["queue"], body["n"], body["j"])
        self._reply({"applied": applied})

    def do_GET(self) -> None:
        self._reply(LEDGER.stats())

    def log_message(self, format: str, *args: Any) -> None:
        return


class ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A SIGKILLed worker resets its connection; that is the bench working, not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def receiver_main() -> None:
    server = ReceiverServer(("127.0.0.1", 0), Receiver)
    print(server.server_address[1], flush=True)
    server.serve_forever()


# -- worker process (this module is also the bench's transport plugin) -------------


class HttpPeer:
    def __init__(self, port: int) -> None:
        self._client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
        self._pid = str(os.getpid())

    def send(self, message: OutboundMessage) -> None:
        try:
            response = self._client.post("/deliver", json={"queue": message.queue, **message.payload},
                                         headers={"Idempotency-Key": message.idempotency_key,
                                                  "X-Worker-Pid": self._pid})
        except httpx.HTTPError as exc:
            raise TransientError(f"receiver unreachable: {exc}") from exc
        if response.status_code != 200:
            raise TransientError(f"receiver answered {response.status_code}")

    def close(self) -> None:
        self._client.close()


class ChaosPeerSettings(BaseModel):
    """``[plugins.chaos]``: the receiver's port on 127.0.0.1."""

    model_config = ConfigDict(extra="forbid")

    port: int


@hookimpl
def hub_register_settings(registry: Any) -> None:
    registry.set_settings(ChaosPeerSettings)


@hookimpl
def hub_register_transports(registry: Any) -> None:
    registry.add_transport(TransportSpec(
        "http", lambda context: HttpPeer(context.settings_as(ChaosPeerSettings).port), ("partner",)))


def make_settings(url: str, port: int) -> HubSettings:
    return HubSettings(
        database_url=url, queue=QUEUE_SETTINGS, plugins={SYSTEM: {"port": port}},
        disabled_plugins=[ep.name for ep in metadata.entry_points(group="crm_hub.plugins")],
    )


def worker_main(url: str, port: int, name: str, ready_dir: str) -> None:
    stop = threading.Event()
    install_drain_handlers(stop.set)
    runtime = HubRuntime(make_settings(url, port), extra_plugins={SYSTEM: sys.modules[__name__]})
    worker = Worker(runtime, name=name, stop=stop)
    Path(ready_dir, str(os.getpid())).touch()  # started: from now on a kill can hit work in flight
    worker.run()
    runtime.close()


# -- the bench ------------------------------------------------------------------------


def database(backend: str, workdir: Path, pg_url: str) -> tuple[str, Any]:
    """A fresh database URL and a cleanup function."""
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'chaos.db'}", lambda: None
    schema = f"chaos_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()

    sep = "&" if "?" in pg_url else "?"
    return f"{pg_url}{sep}options={quote(f'-csearch_path={schema}')}", drop


def spawn_worker(url: str, port: int, name: str, ready_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, "--role", "worker", "--db", url, "--port", str(port),
                             "--name", name, "--ready-dir", str(ready_dir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def produce(runtime: HubRuntime, total: int, queue_count: int, chunks: int, pause: float) -> None:
    per_chunk = -(-total // chunks)
    for start in range(0, total, per_chunk):
        with runtime.engine.begin() as conn:
            enqueue(conn, [
                NewMessage(SYSTEM, f"{SYSTEM}:partner:Q{n % queue_count}", "upsert", "partner",
                           f"Q{n % queue_count}", n // queue_count + 1, {"n": n, "j": n // queue_count + 1})
                for n in range(start, min(total, start + per_chunk))
            ])
        time.sleep(pause)


def finished(runtime: HubRuntime) -> tuple[int, int]:
    with runtime.engine.connect() as conn:
        backlog = sa.func.coalesce(sa.func.sum(queues.c.last_seq - queues.c.done_seq), 0)
        pending = conn.execute(sa.select(backlog)).scalar_one()
        done = conn.execute(sa.select(sa.func.count()).where(messages.c.status == "delivered")).scalar_one()
    return int(pending), int(done)


def run_backend(backend: str, args: argparse.Namespace, port: int, workdir: Path) -> dict[str, Any]:
    url, cleanup = database(backend, workdir, args.pg_url)
    runtime = HubRuntime(make_settings(url, port), extra_plugins={SYSTEM: sys.modules[__name__]})
    migrate.upgrade(runtime.engine)
    httpx.post(f"http://127.0.0.1:{port}/reset", json={})
    ready_dir = workdir / f"ready-{backend}"
    ready_dir.mkdir()
    workers = [spawn_worker(url, port, f"w{i}", ready_dir) for i in range(args.workers)]
    killed: set[int] = set()
    started = time.monotonic()
    producer = threading.Thread(target=produce, args=(runtime, args.messages, args.queues, 40, args.produce_pause))
    producer.start()
    rng = random.Random(args.seed)
    kills = 0
    deadline = started + args.timeout
    while time.monotonic() < deadline:
        time.sleep(rng.uniform(0.2, 0.7))
        if not producer.is_alive() and finished(runtime)[0] == 0:
            break
        # Only workers that have started are killed: a kill while Python imports would
        # test nothing.
        ripe = [i for i, w in enumerate(workers) if (ready_dir / str(w.pid)).exists()]
        if kills >= args.kills or not ripe:
            continue
        victim = rng.choice(ripe)
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait()
        killed.add(workers[victim].pid)
        kills += 1
        workers[victim] = spawn_worker(url, port, f"w{victim}r{kills}", ready_dir)
    producer.join()
    elapsed = time.monotonic() - started
    for process in workers:
        process.send_signal(signal.SIGTERM)
    for process in workers:
        process.wait(timeout=60)
    pending, done = finished(runtime)
    stats = httpx.get(f"http://127.0.0.1:{port}/stats").json()
    redeliveries = stats["redelivered_from"]
    unexplained = sum(1 for pid in redeliveries if pid not in killed)
    runtime.close()
    cleanup()
    result = {
        "backend": backend, "messages": args.messages, "kills": kills,
        "lost": args.messages - stats["applied"] + (args.messages - done),
        "duplicates_seen_by_receiver": unexplained + stats["second_key_for_same_message"],
        "out_of_order": stats["out_of_order"],
        "raw_redeliveries": len(redeliveries),
        "received": stats["received"], "marked_delivered": done, "still_pending": pending,
        "seconds": round(elapsed, 1),
    }
    print(f"{backend}: {args.messages} messages over {args.queues} queues, {args.workers} workers, "
          f"{kills} SIGKILLs in {elapsed:.1f}s; receiver got {stats['received']} requests, applied "
          f"{stats['applied']}, raw redeliveries after kills {len(redeliveries)} (unexplained {unexplained}); "
          f"out of order {stats['out_of_order']}; marked delivered {done}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--role", choices=["bench", "receiver", "worker"], default="bench")
    parser.add_argument("--short", action="store_true", help="Finish in about two minutes.")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("HUB_TEST_POSTGRES_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--queues", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--kills", type=int, default=0, help="SIGKILLs per backend (default 24, short 20).")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--db")
    parser.add_argument("--port", type=int)
    parser.add_argument("--name")
    parser.add_argument("--ready-dir")
    args = parser.parse_args()
    if args.role == "receiver":
        receiver_main()
        return
    if args.role == "worker":
        worker_main(args.db, args.port, args.name, args.ready_dir)
        return
    args.kills = args.kills or (20 if args.short else 24)
    # Spread production over about the time the kills take, so they hit a busy system.
    args.produce_pause = args.kills * 0.6 / 40
    receiver = subprocess.Popen([sys.executable, __file__, "--role", "receiver"], stdout=subprocess.PIPE)
    assert receiver.stdout is not None
    port = int(receiver.stdout.readline())
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for backend in backends:
                results.append(run_backend(backend, args, port, Path(tmp)))
    finally:
        receiver.terminate()
        receiver.wait()
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Benchmark the canonical REST API (issue #18): reads and idempotent creates per second
through ``/api/v1``, on SQLite and (with ``HUB_TEST_POSTGRES_URL`` set or ``--pg-url``)
on PostgreSQL.

The hub serves the API in a process of its own (this script started again with
``--serve``: the runtime and server of ``hub run``, without workers or scheduler, so
created documents stay queued for the ERP, outbox included). A store of N partners is
loaded through the master-data service first. Then client threads in this process, each
with a keep-alive connection, run for the given seconds:

- reads: ``GET /api/v1/partner/{id}`` of random stored partners;
- creates: ``POST /api/v1/partner`` with a new ``Idempotency-Key`` each (document,
  version, outbox message and key written in one transaction);
- replays: the same creates sent again under their keys (answered from the kept key,
  nothing written).

Prints requests/s and p50/p99 latency per kind and checks that every create made one
document and one queue message and no replay made any. The machine is small and shared
(2 cores, client and server on it together): the figures are indicative.

Usage: ``python bench/api.py [--short] [--partners N] [--seconds S] [--clients C]
[--pg-url URL]``; the last line is one JSON object with every figure. ``SECTIONS``
lists the parts the benchmark runs; each takes the arguments and a fresh database.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]  # bench/queue.py shadows queue
sys.path.insert(0, str(ROOT))

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import sqlalchemy as sa

from hub.core.masterdata import Incoming
from hub.core.model.partner import Partner
from hub.core.queue.tables import messages
from hub.core.restapi.keys import create_key
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import documents, migrate
from hub.testing.databases import postgres_schema

LOAD_BATCH = 1_000


def _settings(database_url: str, port: int, folder: Path) -> HubSettings:
    return HubSettings.model_validate({"database_url": database_url, "mappings_dir": str(folder / "mappings"),
                                       "http": {"host": "127.0.0.1", "port": port}})


def serve_until_stdin_closes(database_url: str, port: int, folder: str) -> None:
    """The server process: serve the hub's HTTP routes, the API among them, until the
    parent closes our stdin."""
    from hub.http import serve

    runtime = HubRuntime(_settings(database_url, port, Path(folder)))
    server = serve(runtime)
    print("ready", flush=True)
    sys.stdin.read()
    server.stop()
    runtime.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def api_server(database_url: str, folder: Path) -> Iterator[str]:
    """A hub serving the API in another process; yields the API's base URL."""
    port = _free_port()
    child = subprocess.Popen([sys.executable, __file__, "--serve", database_url, str(port), str(folder)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdin is not None
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("the API server did not start")
        base_url = f"http://127.0.0.1:{port}/api/v1"
        httpx.get(f"{base_url}/openapi.json", timeout=120).raise_for_status()  # the first request builds the API
        yield base_url
    finally:
        if child.stdin:
            child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            child.wait()


def load_partners(runtime: HubRuntime, count: int) -> list[str]:
    """``count`` partners through the master-data service, as a load would; their hub ids."""
    service = runtime.masterdata()
    service.duplicate_check = False
    ids: list[str] = []
    for start in range(0, count, LOAD_BATCH):
        batch = [Incoming(Partner(kind="person", first_name="Bench", last_name=f"Reader {n}",
                                  emails=[f"reader{n}@bench.example"]), "bench", f"R{n}")
                 for n in range(start, min(start + LOAD_BATCH, count))]
        ids += [r.hub_id for r in service.upsert_many(batch)]
    return ids


def _rows(runtime: HubRuntime) -> dict[str, int]:
    with runtime.engine.connect() as conn:
        return {"documents": conn.execute(sa.select(sa.func.count()).select_from(documents.documents)).scalar_one(),
                "messages": conn.execute(sa.select(sa.func.count()).select_from(messages)).scalar_one()}


def hammer(clients: int, seconds: float, request: Callable[[httpx.Client, int, int], httpx.Response],
           headers: dict[str, str], base_url: str) -> dict[str, Any]:
    """``clients`` threads, each sending ``request(client, thread, n)`` back to back for
    ``seconds``; requests/s, latency and the statuses seen."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[dict[int, int]] = [{} for _ in range(clients)]
    deadline = time.monotonic() + seconds

    def run(thread: int) -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            n = 0
            while time.monotonic() < deadline:
                started = time.perf_counter()
                reply = request(client, thread, n)
                latencies[thread].append(time.perf_counter() - started)
                statuses[thread][reply.status_code] = statuses[thread].get(reply.status_code, 0) + 1
                n += 1

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(t,)) for t in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    every = sorted(x for per in latencies for x in per)
    seen: dict[str, int] = {}
    for per in statuses:
        for status, count in per.items():
            seen[str(status)] = seen.get(str(status), 0) + count
    return {"requests": len(every), "per_s": round(len(every) / elapsed, 1),
            "p50_ms": round(statistics.median(every) * 1000, 1) if every else None,
            "p99_ms": round(every[int(len(every) * 0.99)] * 1000, 1) if every else None,
            "statuses": seen, "per_thread": [len(per) for per in latencies]}


def reads_and_creates(args: argparse.Namespace, database_url: str, folder: Path) -> dict[str, Any]:
    """Section: reads, idempotent creates and their replays through the API."""
    runtime = HubRuntime(_settings(database_url, 0, folder))
    migrate.upgrade(runtime.engine)
    started = time.monotonic()
    ids = load_partners(runtime, args.partners)
    loaded_s = time.monotonic() - started
    key = create_key(runtime.engine, "write", "bench").key
    headers = {"Authorization": f"Bearer {key}"}
    figures: dict[str, Any] = {"partners": len(ids), "load_s": round(loaded_s, 1)}
    with api_server(database_url, folder) as base_url:
        rng = random.Random(7)
        figures["reads"] = hammer(args.clients, args.seconds,
                                  lambda c, t, n: c.get(f"/partner/{rng.choice(ids)}"), headers, base_url)
        print(f"  reads:   {_line(figures['reads'])}", flush=True)

        def create(client: httpx.Client, thread: int, n: int) -> httpx.Response:
            body = {"kind": "person", "first_name": "Bench", "last_name": f"Writer {thread}-{n}"}
            return client.post("/partner", json=body, headers={"Idempotency-Key": f"bench-{thread}-{n}"})

        before = _rows(runtime)
        figures["creates"] = hammer(args.clients, args.seconds, create, headers, base_url)
        after = _rows(runtime)
        print(f"  creates: {_line(figures['creates'])}", flush=True)
        made = figures["creates"]["statuses"].get("201", 0)
        figures["creates"]["documents_made"] = after["documents"] - before["documents"]
        figures["creates"]["messages_made"] = after["messages"] - before["messages"]
        sent = figures["creates"]["per_thread"]

        def replay(client: httpx.Client, thread: int, n: int) -> httpx.Response:
            return create(client, thread, n % max(sent[thread], 1))

        figures["replays"] = hammer(args.clients, args.seconds, replay, headers, base_url)
        print(f"  replays: {_line(figures['replays'])}", flush=True)
        figures["replays"]["documents_made"] = _rows(runtime)["documents"] - after["documents"]
        figures["exactly_once"] = (made == figures["creates"]["documents_made"] == figures["creates"]["messages_made"]
                                   and figures["replays"]["documents_made"] == 0)
        print(f"  every create made one document and one message, no replay made any: {figures['exactly_once']}",
              flush=True)
    runtime.close()
    return figures


def _line(f: dict[str, Any]) -> str:
    return f"{f['per_s']:8.1f}/s  p50 {f['p50_ms']} ms  p99 {f['p99_ms']} ms  statuses {f['statuses']}"


SECTIONS: dict[str, Callable[[argparse.Namespace, str, Path], dict[str, Any]]] = {
    "reads_and_creates": reads_and_creates,
}
"""The benchmark's parts, run in this order, each on a fresh database of each backend."""


def backends(args: argparse.Namespace, folder: Path, section: str) -> Iterator[tuple[str, str]]:
    """(name, database URL) of each backend measured: a new SQLite file, then a new
    PostgreSQL schema (dropped afterwards) when a server is given."""
    yield "sqlite", f"sqlite:///{folder / f'{section}.db'}"
    if args.pg_url:
        with postgres_schema(args.pg_url) as url:
            yield "postgresql", url


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve_until_stdin_closes(*sys.argv[2:4], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="2,000 partners, 5 s per kind.")
    parser.add_argument("--partners", type=int, default=0, help="Partners stored before reading (default 20,000).")
    parser.add_argument("--seconds", type=float, default=0, help="Seconds per kind of request (default 20).")
    parser.add_argument("--clients", type=int, default=8, help="Client threads (default 8).")
    parser.add_argument("--pg-url", default=os.environ.get("HUB_TEST_POSTGRES_URL"),
                        help="PostgreSQL server to measure too (default $HUB_TEST_POSTGRES_URL).")
    args = parser.parse_args()
    args.partners = args.partners or (2_000 if args.short else 20_000)
    args.seconds = args.seconds or (5.0 if args.short else 20.0)
    figures: dict[str, Any] = {"bench": "api", "short": args.short, "clients": args.clients,
                               "seconds": args.seconds}
    with tempfile.TemporaryDirectory(prefix="hub-api-bench-") as tmp:
        for name, section in SECTIONS.items():
            figures[name] = {}
            for backend, url in backends(args, Path(tmp), name):
                print(f"{name} on {backend}:", flush=True)
                figures[name][backend] = section(args, url, Path(tmp))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

"""Benchmark the stores: a day-end POSLog file ingested with accrual, the till API under
load, and tills racing for one card.

1. Ingest: a generated day of N transactions (40 % with one of 5,000 loyalty cards,
   returns linked to their receipts) is taken in by ``hub load loyalty_pos day
   --source FILE``'s code path (streamed from disk) in a process of its own (parse,
   map, post, earn and reverse points in the posting transaction; unknown cards enrol
   provisional members). Prints transactions/s and the process's peak RSS, then runs
   ``hub loyalty check``.
2. Till API: ``hub run`` (one process, SQLite) serves the till API; a load client in
   another process sends requests at a fixed rate (open loop: a slow answer does not
   slow the schedule), 70 % card look-ups and 30 % reservations each committed at once,
   for the given seconds. Prints requests/s, p50/p99/max latency per kind, errors, and
   ``hub loyalty check`` afterwards.
3. Race: 20 tills reserve-and-commit 75 points each, twice, from one card at the same
   moment; the card must end at or above zero and the ledger must still add up.

With ``--postgres URL --processes 4`` the same runs on a fresh PostgreSQL database
(created on that server, dropped afterwards) with four ``hub run`` processes serving the
tills, the load and the racing tills spread over them. Other plugins are disabled
(``HUB_DISABLED_PLUGINS``): this measures the store side alone. Usage:
``.venv/bin/python bench/pos.py [--count N] [--seconds S] [--rate R] [--short]
[--postgres URL --processes N]``; ends with one JSON line of every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import httpx
import sqlalchemy as sa

from bench.pos_client import Answer, LeanClient
from plugins.loyalty_pos.poslog.generate import write_day
from plugins.loyalty_pos.store.tables import accounts, cards

HUB = str(Path(sys.executable).parent / "hub")
PROGRAMME = ROOT / "plugins" / "loyalty_pos" / "programmes" / "club.yaml"
STORE = "S001"
ENV = {**os.environ, "HUB_DISABLED_PLUGINS": "erp_sap,ecommerce"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _hub(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([HUB, *args], cwd=folder, env=ENV, capture_output=True, text=True, timeout=3600)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"hub {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    return done


def _config(folder: Path, database: str, port: int, name: str = "hub.toml") -> Path:
    path = folder / name
    path.write_text(
        f'database_url = "{database}"\n\n[http]\nport = {port}\n\n'
        f'[plugins.loyalty_pos]\ntimezone = "Europe/Berlin"\nreturn_window_days = 0\n'
        f'inbound_dir = "{folder / "in"}"\n', encoding="utf-8")
    return path


def _folder(folder: Path, database: str, port: int, accrual: bool = True) -> None:
    _config(folder, database, port)
    _hub(folder, "init")
    if accrual:
        _hub(folder, "loyalty", "programme", "load", str(PROGRAMME))


def _engine(database: str) -> sa.Engine:
    return sa.create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))


@contextmanager
def _database(server: str | None, folder: Path) -> Iterator[str]:
    """SQLite in ``folder``, or a fresh database on the PostgreSQL ``server`` (dropped after)."""
    if server is None:
        yield f"sqlite:///{folder / 'hub.db'}"
        return
    name = f"bench_pos_{os.getpid()}"
    admin = _engine(server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def ingest_child(folder: Path, day_file: Path) -> None:
    """The ingest part, in a process of its own: prints its figures as JSON."""
    from hub.core.runtime import HubRuntime
    from hub.core.settings import load_settings

    os.chdir(folder)
    os.environ.update(ENV)
    runtime = HubRuntime(load_settings())
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.perf_counter()
    spec, job = runtime.initial_load("loyalty_pos", "day")  # what `hub load loyalty_pos day --source` runs
    opened = spec.open(runtime.plugin_context("loyalty_pos"), str(day_file))
    result = job.run(opened.documents, opened.source, opened.key)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_before,
                      "documents": result.done, "counts": {"done": result.done,
                      "failed": result.failed, "created": result.created},
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def ingest_part(folder: Path, database: str, count: int) -> dict[str, Any]:
    day_file = folder / "day.xml"
    with day_file.open("wb") as out:
        write_day(out, count, seed=7, day=date.today())
    size_mb = day_file.stat().st_size / 2**20
    child = subprocess.run([sys.executable, __file__, "--part", "ingest", "--folder", str(folder)],
                           env=ENV, capture_output=True, text=True, timeout=7200)
    if child.returncode != 0:
        raise RuntimeError(f"ingest part failed: {child.stderr[-3000:]}")
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    check = json.loads(_hub(folder, "loyalty", "check", "--json").stdout)
    with _engine(database).connect() as conn:
        members = conn.execute(sa.select(sa.func.count()).select_from(cards)).scalar_one()
    result = {"transactions": count, "file_mb": round(size_mb, 1), "seconds": round(figures["seconds"], 1),
              "per_s": round(count / figures["seconds"]), "cpu_seconds": round(figures["cpu_seconds"], 1),
              "per_cpu_s": round(count / figures["cpu_seconds"]), "counts": figures["counts"],
              "peak_rss_mb": round(figures["peak_rss_mb"], 1), "members": members,
              "check_ok": check["ok"], "accounts": check["accounts"]}
    print(f"ingest: {count} transactions ({result['file_mb']} MB POSLog) in {result['seconds']} s ="
          f" {result['per_s']} transactions/s ({result['cpu_seconds']} s CPU = {result['per_cpu_s']} per CPU"
          f" second); {figures['counts']}; {members} cards;"
          f" peak RSS {result['peak_rss_mb']} MB; hub loyalty check: {check['accounts']} accounts,"
          f" {'clean' if check['ok'] else 'PROBLEMS'}")
    return result


def _rich_cards(database: str, minimum: int, limit: int) -> list[str]:
    with _engine(database).connect() as conn:
        return list(conn.execute(sa.select(cards.c.card_number).join(
            accounts, accounts.c.member_id == cards.c.member_id).where(accounts.c.balance >= minimum)
            .order_by(cards.c.card_number).limit(limit)).scalars())


def _start_hub(folder: Path, config: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([HUB, "run", "--no-scheduler", "--threads"], cwd=folder,
                              env={**ENV, "HUB_CONFIG": str(config)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("hub run did not start")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def _load(ports: list[int], key: str, deck: list[str], rate: float, seconds: float) -> dict[str, Any]:
    """Open loop: operations start on schedule, spread over the hub processes listening
    on ``ports``; a reserve+commit counts as two requests."""
    ops_rate = rate / 1.3
    latencies: dict[str, list[float]] = {"lookup": [], "reserve": [], "commit": []}
    errors: list[str] = []
    picker = random.Random(11)
    clients = [LeanClient("127.0.0.1", port, {"Authorization": f"Bearer {key}"}) for port in ports]
    base = "/loyalty_pos/v1"

    async def call(kind: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                   client: LeanClient = clients[0]) -> Answer | None:
        started = time.perf_counter()
        try:
            answer = await client.request(method, base + path, body, headers)
        except (OSError, asyncio.IncompleteReadError) as exc:
            errors.append(f"{kind}: {type(exc).__name__}")
            return None
        latencies[kind].append(time.perf_counter() - started)
        if answer.status >= 300:
            errors.append(f"{kind}: {answer.status} {answer.body[:120]!r}")
        return answer

    async def operation(card: str, redeem: bool, client: LeanClient) -> None:
        if not redeem:
            await call("lookup", "GET", f"/cards/{card}", client=client)
            return
        held = await call("reserve", "POST", "/redemptions", {"card": card, "points": 1},
                          {"Idempotency-Key": uuid.uuid4().hex}, client=client)
        if held is not None and held.status == 201:
            await call("commit", "POST", f"/redemptions/{held.json()['id']}/commit", client=client)

    loop = asyncio.get_running_loop()
    begin = loop.time()
    tasks = []
    for number in range(int(ops_rate * seconds)):
        delay = begin + number / ops_rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(operation(picker.choice(deck), picker.random() < 0.3,
                                                   clients[number % len(clients)])))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - begin
    for client in clients:
        await client.close()
    every = [x for v in latencies.values() for x in v]
    requests = len(every) + len(errors)
    return {"seconds": round(elapsed, 1), "requests": requests, "per_s": round(requests / elapsed),
            "errors": len(errors), "first_errors": errors[:5],
            "p50_ms": round(_percentile(every, 0.50) * 1000, 2), "p99_ms": round(_percentile(every, 0.99) * 1000, 2),
            "max_ms": round(max(every, default=0) * 1000, 2),
            "by_kind": {kind: {"count": len(v), "p50_ms": round(_percentile(v, 0.5) * 1000, 2),
                               "p99_ms": round(_percentile(v, 0.99) * 1000, 2),
                               "mean_ms": round(statistics.fmean(v) * 1000, 2) if v else 0.0}
                        for kind, v in latencies.items()}}


def _race(bases: list[str], key: str, card: str, clients: int = 20, points: int = 75) -> dict[str, Any]:
    barrier = threading.Barrier(clients)
    statuses: list[int] = []
    lock = threading.Lock()

    def till(base: str) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
            barrier.wait()
            for _ in range(2):
                held = client.post("/redemptions", json={"card": card, "points": points},
                                   headers={"Idempotency-Key": uuid.uuid4().hex})
                status = held.status_code
                if status == 201:
                    status = client.post(f"/redemptions/{held.json()['id']}/commit").status_code
                with lock:
                    statuses.append(status)

    with httpx.Client(base_url=bases[0], headers={"Authorization": f"Bearer {key}"}) as client:
        before = client.get(f"/cards/{card}").json()["balances"][0]
    threads = [threading.Thread(target=till, args=(bases[n % len(bases)],)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with httpx.Client(base_url=bases[0], headers={"Authorization": f"Bearer {key}"}) as client:
        after = client.get(f"/cards/{card}").json()["balances"][0]
    committed = statuses.count(200)
    return {"clients": clients, "attempts": len(statuses), "committed": committed, "refused_409": statuses.count(409),
            "other": len(statuses) - committed - statuses.count(409), "available_before": before["available"],
            "expected_committed": min(len(statuses), before["available"] // points),
            "available_after": after["available"], "balance_after": after["balance"],
            "never_below_zero": after["available"] >= 0 and after["balance"] >= 0
            and committed == min(len(statuses), before["available"] // points)}


def till_part(folder: Path, database: str, processes: int, rate: float, seconds: float) -> dict[str, Any]:
    key = json.loads(_hub(folder, "loyalty", "api-key", "create", "--store", STORE, "--json").stdout)["key"]
    deck = _rich_cards(database, 200, 2000)
    race_card = deck.pop()
    _hub(folder, "loyalty", "adjust", race_card, "1000", "--type", "BONUS", "--reason", "bench race")
    ports = [_free_port() for _ in range(processes)]
    servers = [_start_hub(folder, _config(folder, database, port, f"hub-{port}.toml"), port) for port in ports]
    try:
        asyncio.run(_load(ports, key, deck, rate / 10, 2))  # warm-up
        load = asyncio.run(_load(ports, key, deck, rate, seconds))
        race = _race([f"http://127.0.0.1:{port}/loyalty_pos/v1" for port in ports], key, race_card)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=60)
    check = json.loads(_hub(folder, "loyalty", "check", "--json").stdout)
    load["check_ok"] = check["ok"]
    print(f"till API, {processes} hub process(es): {load['requests']} requests in {load['seconds']} s ="
          f" {load['per_s']}/s (asked {rate}/s),"
          f" {load['errors']} errors; p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms, max {load['max_ms']} ms")
    for kind, figures in load["by_kind"].items():
        print(f"  {kind}: {figures['count']} requests, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms")
    print(f"  first errors: {load['first_errors']}" if load["errors"] else "  no errors")
    print(f"race: {race['clients']} tills, {race['attempts']} reserve+commit of 75 points from one card with"
          f" {race['available_before']} available: {race['committed']} committed (expected"
          f" {race['expected_committed']}), {race['refused_409']} refused 409, {race['other']} other;"
          f" available after {race['available_after']}, balance {race['balance_after']}")
    print(f"hub loyalty check after: {check['accounts']} accounts, {'clean' if check['ok'] else 'PROBLEMS'}")
    return {"till": load, "race": race}


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--count", type=int, default=100_000, help="Transactions in the day file.")
    options.add_argument("--seconds", type=float, default=60.0, help="Length of the till API load.")
    options.add_argument("--rate", type=float, default=500.0, help="Till API requests per second asked.")
    options.add_argument("--short", action="store_true", help="20,000 transactions, 15 s of load")
    options.add_argument("--postgres", metavar="URL",
                         help="Run on PostgreSQL: a fresh database on this server (e.g. "
                              "postgresql://postgres@127.0.0.1:5432/test), dropped afterwards.")
    options.add_argument("--processes", type=int, default=1, help="hub run processes serving the till API.")
    options.add_argument("--ingest-only", action="store_true", help="Stop after the ingest part.")
    options.add_argument("--no-accrual", action="store_true",
                         help="Load no programme: the ingest part measures the posting pipeline alone.")
    options.add_argument("--part", choices=["ingest"], help=argparse.SUPPRESS)
    options.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = options.parse_args()
    if args.part == "ingest":
        ingest_child(args.folder, args.folder / "day.xml")
        return
    count, seconds = (20_000, 15.0) if args.short else (args.count, args.seconds)
    with tempfile.TemporaryDirectory() as work, _database(args.postgres, Path(work)) as database:
        folder = Path(work)
        _folder(folder, database, _free_port(), accrual=not args.no_accrual)
        figures: dict[str, Any] = {"database": "postgresql" if args.postgres else "sqlite",
                                   "accrual": not args.no_accrual, "processes": args.processes,
                                   "ingest": ingest_part(folder, database, count)}
        if not (args.ingest_only or args.no_accrual):
            figures.update(till_part(folder, database, args.processes, args.rate, seconds))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

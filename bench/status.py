"""How fast ``hub status`` answers with a million messages in the store (issue #3).

Fills a hub database through the queue's public ``enqueue`` with N messages spread
over Q queues (all of them active: the worst case for the status), blocks every
1,000th queue with an error and stops every 2,000th, then times, each R times:
the status query in-process, and as a user would, whole processes:
``hub --version`` (start-up and imports alone), ``hub --debug status`` (the full
command: configuration checked, SQLAlchemy), ``hub status``, ``hub status --json`` and
``hub status --all --json`` (every active queue); these three take the quick path
(``hub.cli.quick_status``) once the full check left its stamp, in a cache folder of the
bench's own. SQLite, then PostgreSQL (in a
schema of its own, dropped after) unless ``--no-pg``.

Usage: ``python bench/status.py [--short] [--no-pg]``; the last line is JSON with every figure.
"""

from __future__ import annotations

import sys

sys.path.pop(0)  # run as a script: bench/queue.py must not shadow the stdlib ``queue``

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from hub.core.queue import NewMessage, admin, enqueue
from hub.core.queue.messages import utcnow
from hub.core.queue.status import queue_status
from hub.core.queue.tables import queues
from hub.core.store import migrate
from hub.core.store.db import create_engine

SYSTEM = "erp_sap"
HUB = str(Path(sys.executable).parent / "hub")
CHUNK = 20_000


def queue_name(i: int) -> str:
    return f"{SYSTEM}:partner:{i}"


def fill(engine: sa.Engine, total: int, queue_count: int) -> float:
    """Enqueue ``total`` messages round-robin over the queues; returns messages/s."""
    started = time.perf_counter()
    for first in range(0, total, CHUNK):
        with engine.begin() as conn:
            enqueue(conn, [
                NewMessage(SYSTEM, queue_name(n % queue_count), "upsert", "partner", str(n % queue_count), n,
                           {"name": "Muster GmbH", "city": "Berlin", "n": n})
                for n in range(first, min(first + CHUNK, total))
            ])
    rate = total / (time.perf_counter() - started)
    with engine.begin() as conn:
        # As a worker leaves a queue after its last retry.
        conn.execute(queues.update().where(queues.c.name.in_([queue_name(i) for i in range(0, queue_count, 1000)]))
                     .values(blocked=True, attempts=5, last_error="TransientError: HTTP 503 from ERP after 5 attempts"))
        for i in range(7, queue_count, 2000):
            admin.stop_queue(conn, queue_name(i), utcnow())
    return rate


def spread(values: list[float]) -> dict[str, float]:
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3), "max": round(max(values), 3)}


def time_command(args: list[str], url: str, runs: int, cwd: Path) -> dict[str, float]:
    """Wall seconds of whole ``hub`` processes (start-up, imports, query, printing)."""
    env = {**os.environ, "HUB_DATABASE_URL": url, "XDG_CACHE_HOME": str(cwd / "cache")}
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([HUB, *args], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - started)
    return spread(walls)


def time_query(engine: sa.Engine, runs: int) -> tuple[dict[str, float], int]:
    """Milliseconds of the default status (100 queues and the totals), in-process."""
    times, active = [], 0
    for _ in range(runs):
        with engine.connect() as conn:
            started = time.perf_counter()
            report = queue_status(conn, utcnow())
            times.append((time.perf_counter() - started) * 1000)
            active = report.totals["queues"]
    return spread(times), active


def fmt(s: dict[str, float]) -> str:
    return f"{s['min']:.2f}/{s['median']:.2f}/{s['max']:.2f}"


def measure(name: str, url: str, total: int, queue_count: int, runs: int, cwd: Path) -> dict[str, Any]:
    engine = create_engine(url)
    migrate.upgrade(engine)
    rate = fill(engine, total, queue_count)
    query_ms, active = time_query(engine, runs)
    engine.dispose()
    figures = {
        "enqueue_msgs_s": round(rate), "active_queues": active, "status_query_ms": query_ms,
        "hub_version_s": time_command(["--version"], url, runs, cwd),
        "hub_status_full_s": time_command(["--debug", "status"], url, runs, cwd),
        "hub_status_s": time_command(["status"], url, runs, cwd),
        "hub_status_json_s": time_command(["status", "--json"], url, runs, cwd),
        "hub_status_all_json_s": time_command(["status", "--all", "--json"], url, max(1, runs // 2), cwd),
    }
    print(f"{name}: {total:,} messages in {active:,} active queues (enqueue {rate:,.0f} msgs/s); "
          f"status query {query_ms['min']} - {query_ms['max']} ms; wall s min/median/max: "
          f"`hub --version` {fmt(figures['hub_version_s'])}, `hub --debug status` (full) "
          f"{fmt(figures['hub_status_full_s'])}, `hub status` {fmt(figures['hub_status_s'])}, "
          f"`hub status --json` {fmt(figures['hub_status_json_s'])}, "
          f"`hub status --all --json` {fmt(figures['hub_status_all_json_s'])}", flush=True)
    return figures


def pg_schema_url(server: str) -> tuple[str, sa.Engine, str]:
    schema = f"bench_status_{uuid.uuid4().hex[:8]}"
    admin_engine = create_engine(server)
    with admin_engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server else "?"
    return f"{server}{separator}options={quote(f'-csearch_path={schema}')}", admin_engine, schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="200,000 messages in 20,000 queues, 3 runs.")
    parser.add_argument("--messages", type=int, default=0, help="Messages stored (default 1,000,000).")
    parser.add_argument("--queues", type=int, default=0, help="Queues they are spread over (default 100,000).")
    parser.add_argument("--runs", type=int, default=0, help="Timed runs of each command (default 5).")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only.")
    parser.add_argument("--pg-url", default=os.environ.get("HUB_TEST_POSTGRES_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    total = args.messages or (200_000 if args.short else 1_000_000)
    queue_count = args.queues or (20_000 if args.short else 100_000)
    runs = args.runs or (3 if args.short else 5)
    figures: dict[str, Any] = {"messages": total, "queues": queue_count, "runs": runs}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        figures["sqlite"] = measure("SQLite", f"sqlite:///{tmp}/status.db", total, queue_count, runs, tmp)
        if not args.no_pg:
            url, admin_engine, schema = pg_schema_url(args.pg_url)
            try:
                figures["postgresql"] = measure("PostgreSQL", url, total, queue_count, runs, tmp)
            finally:
                with admin_engine.begin() as conn:
                    conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                admin_engine.dispose()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

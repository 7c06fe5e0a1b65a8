"""How long a ``/metrics`` scrape takes with many queues in the database.

The database gauges (queue depth per state and system, blocked queues, inbound
documents waiting) are read at scrape time, so a scrape costs one grouped query per
gauge. This bench fills ``queue_state`` directly with Q active queues over 4 systems
(each holding 10 messages; every 1,000th blocked, every 2,000th stopped, every 100th
retrying) plus twice as many idle queues (nothing to do: a partial index keeps them
out of the scrape's way), and ``inbound_payloads`` with 1,000 failed or waiting documents, then times
the whole exposition (``render_metrics``, what ``GET /metrics`` returns) R times. SQLite,
then PostgreSQL (in a schema of its own) unless ``--no-pg``.

Usage: ``python bench/metrics_scrape.py [--short] [--no-pg]``; the last line is JSON.
"""

from __future__ import annotations

import sys

sys.path.pop(0)  # run as a script: bench/queue.py must not shadow the stdlib ``queue``

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.core.queue.messages import utcnow
from hub.core.queue.tables import queues
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate
from hub.core.store.tables import InboundPayloadRow
from hub.http.ops import no_scheduler, render_metrics
from hub.testing.databases import postgres_schema

SYSTEMS = ("erp_sap", "ecommerce", "loyalty_pos", "crm_frontend")


def fill(runtime: HubRuntime, count: int) -> None:
    now = utcnow()
    rows = []
    for i in range(count):
        rows.append({
            "name": f"{SYSTEMS[i % 4]}:partner:{i}", "system": SYSTEMS[i % 4], "last_seq": 10, "done_seq": 0,
            "stopped": i % 2000 == 0, "blocked": i % 1000 == 1, "attempts": 2 if i % 100 == 2 else 0,
            "due_at": now + timedelta(minutes=5) if i % 100 == 2 else now, "lease_token": 0,
            "last_error": "PermanentError: refused" if i % 1000 == 1 else None, "updated_at": now,
        })
    rows += [{"name": f"{SYSTEMS[i % 4]}:idle:{i}", "system": SYSTEMS[i % 4], "last_seq": 10, "done_seq": 10,
              "stopped": False, "blocked": False, "attempts": 0, "due_at": None, "lease_token": 0, "last_error": None,
              "updated_at": now} for i in range(2 * count)]
    payloads = [{"system": SYSTEMS[i % 3], "document_kind": "DEBMAS", "dedupe_key": f"k{i}",
                 "content_type": "application/xml", "payload": b"<x/>", "status": "failed" if i % 2 else "waiting",
                 "duplicates": 0, "received_at": now, "history": []} for i in range(1000)]
    with runtime.engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            conn.execute(sa.insert(queues), rows[start:start + 10_000])
        conn.execute(sa.insert(InboundPayloadRow.__table__), payloads)


def measure(url: str, count: int, repeat: int) -> dict[str, Any]:
    runtime = HubRuntime(HubSettings(database_url=url))
    try:
        migrate.upgrade(runtime.engine)
        started = time.perf_counter()
        fill(runtime, count)
        filled = time.perf_counter() - started
        role = no_scheduler()
        render_metrics(runtime, role)  # warm: imports, plugins, connections
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            body = render_metrics(runtime, role)
            times.append(time.perf_counter() - started)
    finally:
        runtime.close()
    return {"queues": count, "fill_s": round(filled, 1), "scrape_ms_median": round(statistics.median(times) * 1000, 1),
            "scrape_ms_max": round(max(times) * 1000, 1), "bytes": len(body)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="20,000 queues instead of 200,000.")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--pg-url", default=os.environ.get("HUB_TEST_POSTGRES_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    count = 20_000 if args.short else 200_000
    results: dict[str, Any] = {"bench": "metrics_scrape"}
    with tempfile.TemporaryDirectory(prefix="hub-metrics-bench-") as tmp:
        results["sqlite"] = measure(f"sqlite:///{Path(tmp) / 'hub.db'}", count, args.repeat)
        print(f"sqlite: {results['sqlite']}", flush=True)
    if not args.no_pg:
        with postgres_schema(args.pg_url) as url:
            results["postgres"] = measure(url, count, args.repeat)
        print(f"postgres: {results['postgres']}", flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

"""How fast the 360-degree view answers for a partner with 1,000 documents among a
million (issue #19, point 3).

Builds a hub database through the store's own write path (``documents.write``, which
indexes the partner references in the same transaction) and the queue's ``enqueue``:
N documents of seven types (orders, quotations, invoices, contracts, retail
transactions, memberships, point transactions, shaped like ``hub.testing.samples``),
each naming one of N/10 partners, and one partner naming 1,000 of them. Every
document has a message for the ERP carrying its data, as the outbox writes it; 70 %
are confirmed, 20 % sent, 8 % queued and 2 % blocked with an error in a blocked queue.

Then times, each R times: ``partner_view`` in-process (the first, cold call apart),
``hub partner show ID --json`` as whole processes, and once the query the view used
before the index (the JSON of every document scanned for seven reference fields).

Usage: ``python bench/view.py [--short] [--pg]``; the last line is JSON with every figure.
"""

from __future__ import annotations

import sys

sys.path.pop(0)  # run as a script: bench/queue.py must not shadow the stdlib ``queue``

import argparse
import gc
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

from hub.core.masterdata.view import partner_view
from hub.core.model.base import utcnow
from hub.core.queue import NewMessage, enqueue
from hub.core.queue.tables import messages, queues
from hub.core.store import documents, migrate
from hub.core.store.db import create_engine
from hub.core.store.documents import DocumentWrite, NewVersion
from hub.testing import samples

HUB = str(Path(sys.executable).parent / "hub")
CHUNK = 5_000
TARGET_DOCUMENTS = 1_000
MIX = ("sales_order", "sales_order", "quotation", "billing_document", "billing_document", "sales_contract",
       "retail_transaction", "retail_transaction", "loyalty_membership", "point_transaction")
"""Document types in turn: orders and invoices twice as often as the rest."""
PARTNER_FIELDS = ("sold_to_hub_id", "payer_hub_id", "ship_to_hub_id", "bill_to_hub_id", "partner_hub_id",
                  "customer_hub_id", "member_hub_id")
"""The fields the view scanned every document's JSON for before the reference index."""


def templates() -> dict[str, dict[str, Any]]:
    """Each type's sample as stored JSON, without its external ids (the bench gives none)."""
    made = {}
    for doc_type in set(MIX):
        data = samples.sample(doc_type).model_dump(mode="json")
        data["external_ids"] = []
        made[doc_type] = data
    return made


def document(template: dict[str, Any], doc_type: str, hub_id: str, partner: str) -> dict[str, Any]:
    """``template`` as document ``hub_id`` naming ``partner`` wherever it names a partner."""
    data = dict(template, hub_id=hub_id)
    for name in ("sold_to_hub_id", "payer_hub_id", "customer_hub_id", "partner_hub_id"):
        if name in data:
            data[name] = partner
    if doc_type in ("sales_order", "quotation"):
        data["partners"] = [{**p, "partner_hub_id": partner} for p in template.get("partners", [])]
    return data


def build(engine: sa.Engine, total: int, target: str) -> dict[str, float]:
    """Write ``total`` documents (``TARGET_DOCUMENTS`` naming ``target``) with a message each."""
    shapes = templates()
    partners = max(1, total // 10)
    every = max(1, total // TARGET_DOCUMENTS)
    started = time.perf_counter()
    for first in range(0, total, CHUNK):
        now = utcnow()
        writes, versions, outgoing = [], [], []
        for n in range(first, min(first + CHUNK, total)):
            mine = n % every == 0 and n // every < TARGET_DOCUMENTS
            doc_type = MIX[(n // every if mine else n) % len(MIX)]
            hub_id = f"{doc_type[:2]}_{n:024d}"
            partner = target if mine else f"bp_{n % partners:024d}"
            data = document(shapes[doc_type], doc_type, hub_id, partner)
            writes.append(DocumentWrite(hub_id, doc_type, 0, 1, data, {}, now))
            versions.append(NewVersion(hub_id, doc_type, 1, data, None, "bench", now))
            outgoing.append(NewMessage("erp_sap", f"erp_sap:{doc_type}:{hub_id}", "upsert", doc_type, hub_id, 1,
                                       {"doc_type": doc_type, "version": 1, "source": "bench", "data": data}))
        with engine.begin() as conn:
            documents.write(conn, writes, versions)
            enqueue(conn, outgoing, now)
    written = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as conn:
        m = messages.c
        # Spread by a multiplicative hash of the id: the partner's documents come at a
        # fixed stride, which plain ``id % 100`` would put all in one bucket.
        bucket = (m.id * 7919) % 100
        conn.execute(messages.update().where(bucket < 70).values(status="confirmed", finished_at=utcnow()))
        conn.execute(messages.update().where(bucket >= 70, bucket < 90)
                     .values(status="delivered", finished_at=utcnow()))
        blocked = bucket >= 98
        conn.execute(messages.update().where(blocked).values(
            status="blocked", attempts=5, last_error="PermanentError: SOAP fault from ERP: customer is locked"))
        conn.execute(queues.update().where(queues.c.name.in_(sa.select(m.queue).where(blocked)))
                     .values(blocked=True, last_error="PermanentError: SOAP fault from ERP: customer is locked"))
        done = sa.select(m.queue).where(m.status.in_(("confirmed", "delivered")))
        conn.execute(queues.update().where(queues.c.name.in_(done)).values(done_seq=queues.c.last_seq, due_at=None))
    return {"build_s": round(written, 1), "documents_per_s": round(total / written),
            "statuses_s": round(time.perf_counter() - started, 1)}


def spread(values: list[float]) -> dict[str, float]:
    return {"min": round(min(values), 2), "median": round(statistics.median(values), 2), "max": round(max(values), 2)}


def time_view(engine: sa.Engine, target: str, runs: int) -> dict[str, Any]:
    """Milliseconds of ``partner_view``, wall and CPU (this process's; on a shared machine
    the steadier of the two): the first call, then ``runs`` more; and what it found."""
    walls, cpus = [], []
    found: dict[str, int] = {}
    for _ in range(runs + 1):
        with engine.connect() as conn:
            started, cpu = time.perf_counter(), time.process_time()
            view = partner_view(conn, target)
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        found = {"documents": len(view.related),
                 "blocked": sum(r.state == "blocked" for d in view.related for r in d.replication),
                 "queued": sum(r.state == "queued" for d in view.related for r in d.replication)}
    return {"view_first_ms": round(walls[0], 2), "view_ms": spread(walls[1:]), "view_cpu_ms": spread(cpus[1:]),
            "found": found}


def time_scan(engine: sa.Engine, target: str) -> tuple[float, int]:
    """Milliseconds of the query the view ran before the index, and how many it found."""
    docs = documents.documents
    refers = sa.or_(*(docs.c.data[name].as_string() == target for name in PARTNER_FIELDS))
    with engine.connect() as conn:
        started = time.perf_counter()
        rows = conn.execute(sa.select(docs.c.hub_id).where(docs.c.doc_type != "partner", refers)).all()
    return round((time.perf_counter() - started) * 1000, 1), len(rows)


def time_command(args: list[str], url: str, runs: int, cwd: Path) -> dict[str, float]:
    """Wall seconds of whole ``hub`` processes."""
    env = {**os.environ, "HUB_DATABASE_URL": url}
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([HUB, *args], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - started)
    return spread(walls)


def add_partner(engine: sa.Engine, target: str) -> None:
    """The partner itself, so ``hub partner show`` finds it."""
    data = samples.partner(relationships=[]).model_dump(mode="json")
    data.update(hub_id=target, external_ids=[])
    now = utcnow()
    with engine.begin() as conn:
        documents.write(conn, [DocumentWrite(target, "partner", 0, 1, data, {}, now)],
                        [NewVersion(target, "partner", 1, data, None, "bench", now)])


def measure(name: str, url: str, total: int, runs: int, cwd: Path) -> dict[str, Any]:
    engine = create_engine(url)
    migrate.upgrade(engine)
    target = "bp_BENCH000000000000000000"
    add_partner(engine, target)
    built = build(engine, total, target)
    print(f"{name}: {total:,} documents written in {built['build_s']} s ({built['documents_per_s']:,}/s), "
          f"statuses in {built['statuses_s']} s", flush=True)
    # The bench's own garbage (the documents it built) is not the view's: collected once,
    # the survivors frozen, so a collection triggered inside a timed call does not walk it.
    gc.collect()
    gc.freeze()
    view = time_view(engine, target, runs)
    scan_ms, scanned = time_scan(engine, target)
    engine.dispose()
    figures = {**built, **view, "json_scan_ms": scan_ms, "json_scan_found": scanned,
               "hub_partner_show_json_s": time_command(["partner", "show", target, "--json"], url, runs, cwd)}
    found, wall, cpu = view["found"], view["view_ms"], view["view_cpu_ms"]
    print(f"{name}: partner_view of {found['documents']:,} documents ({found['blocked']} blocked, "
          f"{found['queued']} queued): first call {view['view_first_ms']} ms, then min/median/max "
          f"{wall['min']}/{wall['median']}/{wall['max']} ms wall, {cpu['min']}/{cpu['median']}/{cpu['max']} ms CPU; "
          f"the JSON scan it replaces: {scan_ms:,} ms ({scanned:,} found); "
          f"`hub partner show --json` wall {figures['hub_partner_show_json_s']['median']} s (median)", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="100,000 documents, 5 runs.")
    parser.add_argument("--documents", type=int, default=0, help="Documents stored (default 1,000,000).")
    parser.add_argument("--runs", type=int, default=0, help="Timed runs (default 10).")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL too (a schema of its own, dropped after).")
    parser.add_argument("--pg-url", default=os.environ.get("HUB_TEST_POSTGRES_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    total = args.documents or (100_000 if args.short else 1_000_000)
    runs = args.runs or (5 if args.short else 10)
    figures: dict[str, Any] = {"documents": total, "partner_documents": TARGET_DOCUMENTS, "runs": runs}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        figures["sqlite"] = measure("SQLite", f"sqlite:///{tmp}/view.db", total, runs, tmp)
        if args.pg:
            schema = f"bench_view_{uuid.uuid4().hex[:8]}"
            server = create_engine(args.pg_url)
            with server.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            separator = "&" if "?" in args.pg_url else "?"
            try:
                figures["postgresql"] = measure(
                    "PostgreSQL", f"{args.pg_url}{separator}options={quote(f'-csearch_path={schema}')}", total,
                    runs, tmp)
            finally:
                with server.begin() as conn:
                    conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                server.dispose()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

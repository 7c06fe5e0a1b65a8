"""Bench (issue #21): an IDoc's way through the hub, from its arrival to its delivery.

An EDI partner's order (ORDERS05 IDoc-XML, one order of 3 items per request, as an EDI
converter posts them) comes in through the hub's HTTP port ``POST /erp_sap/idoc`` and
goes out to the ERP simulator by the sales-order SOAP call (``[plugins.erp_sap]
edi_partners``, see ``plugins/erp_sap/edi.py``). Three programs on 127.0.0.1: this
client, ``hub run`` (HTTP server and ``--workers`` worker processes, SQLite) and the
simulator.

1. Maximum throughput: ``--max-orders`` orders sent by 8 client threads as fast as the
   hub answers; orders per second from the first send to the last delivery.
2. At 10 %, 50 % and 90 % of it, orders sent on a fixed schedule (open loop) for
   ``--seconds``, at least ``--min-orders`` of them; for each order p50 and p99 of the
   total time and of each stage, from what the hub records:
   - receive: the client's send -> the "received" record of the IDoc's history (the
     payload in the hub's hands, before parsing);
   - parse+map: "received" -> "mapped";
   - post: "mapped" -> the outbox message's ``created_at`` (upsert and outbox write; the
     commit that follows is counted in the queue wait);
   - queue wait: ``created_at`` -> the message's "running" record (a worker sends it);
   - send: "running" -> "delivered"/"confirmed" (the SOAP round trip, the ERP's work);
   - total: the client's send -> delivered at the ERP.
   The client and the hub share the machine's clock.

    .venv/bin/python bench/e2e.py            # 2,000 orders for the maximum, 30 s (at least 200 orders) per rate
    .venv/bin/python bench/e2e.py --short    # 300 orders for the maximum, 8 s (at least 40 orders) per rate

Prints the figures and ends with one JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The bench folder holds scripts named like standard modules (queue.py); with it on the
# path they would shadow them.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import sqlalchemy as sa

from hub.core.queue.tables import messages
from hub.core.store.tables import InboundPayloadRow
from plugins.erp_sap.simulator.edi_orders import EDI_PARTNER, edi_order_idoc
from plugins.erp_sap.simulator.idocxml import document
from plugins.erp_sap.simulator.masterdata import customer, product
from plugins.erp_sap.simulator.masterdata_idocs import write_debmas, write_matmas

HUB = str(Path(sys.executable).parent / "hub")
AUTH = ("edi", "bench-secret")
CUSTOMERS = 50
PRODUCTS = 50
ITEMS = 3
STAGES = ("receive", "parse_map", "post", "queue_wait", "send", "total")
inbound = InboundPayloadRow.__table__


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _simulator() -> Iterator[dict[str, str]]:
    code = "from plugins.erp_sap.simulator.cli import erp_sim; erp_sim()"
    sim = subprocess.Popen([sys.executable, "-c", code, "--port", "0", "--json"], cwd=ROOT,
                           stdout=subprocess.PIPE, text=True)
    try:
        assert sim.stdout is not None
        yield json.loads(sim.stdout.readline())
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        if sim.stdout is not None:
            sim.stdout.close()


def _write_config(folder: Path, urls: dict[str, str], port: int) -> Path:
    config = folder / "hub.toml"
    config.write_text(f"""database_url = "sqlite:///{folder / 'hub.db'}"
mappings_dir = "{ROOT / 'plugins' / 'erp_sap' / 'mappings'}"

[http]
host = "127.0.0.1"
port = {port}
username = "{AUTH[0]}"
password = "{AUTH[1]}"

[plugins.erp_sap]
wsdl = "{urls['wsdl_url']}"
idoc_url = "{urls['idoc_url']}"
replicate_partners = false
acknowledge = false
inbound_dir = "{folder / 'in'}"
outbound_dir = "{folder / 'out'}"
definitions_dir = "{folder / 'idoc_definitions'}"

[plugins.erp_sap.edi_partners]
{EDI_PARTNER.sender_partner} = "acme"
""", encoding="utf-8")
    return config


def _hub(config: Path, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HUB, *args], cwd=config.parent, env={**os.environ, "HUB_CONFIG": str(config)},
                          capture_output=True, text=True, check=True, **kwargs)


@contextmanager
def _running_hub(config: Path, port: int, workers: int) -> Iterator[subprocess.Popen[bytes]]:
    server = subprocess.Popen([HUB, "run", "--no-scheduler", "--workers", str(workers)], cwd=config.parent,
                              env={**os.environ, "HUB_CONFIG": str(config)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("hub run did not get ready")
            time.sleep(0.2)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=60)


class Sender:
    """Posts one EDI order per request; keeps each order's send time (epoch seconds)."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/erp_sap/idoc"
        self.sent: dict[str, float] = {}
        self.errors: list[str] = []
        self._next = 0
        self._lock = threading.Lock()
        self._local = threading.local()

    def _payload(self) -> tuple[str, bytes]:
        with self._lock:
            self._next += 1
            n = self._next
        docnum = f"{700_000_000 + n:016d}"
        materials = [product((n * ITEMS + i) % PRODUCTS).number for i in range(ITEMS)]
        idoc = edi_order_idoc(docnum, f"45{n:08d}", customer(n % CUSTOMERS).number, materials)
        return docnum, document("ORDERS05", [idoc])

    def send(self) -> None:
        """Post one new order and check the answer."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(auth=AUTH, timeout=60,
                                                       headers={"Content-Type": "application/xml"})
        docnum, payload = self._payload()
        started = time.time()
        try:
            answer = client.post(self.url, content=payload)
        except httpx.HTTPError as exc:
            self.errors.append(f"{docnum}: {exc}")
            return
        if answer.status_code != 200 or answer.json()["summary"] != {"posted": 1}:
            self.errors.append(f"{docnum}: {answer.status_code} {answer.text[:200]}")
            return
        self.sent[docnum] = started


def _delivered(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(messages).where(
            messages.c.system == "erp_sap", messages.c.doc_type == "sales_order",
            messages.c.status.in_(("delivered", "confirmed")))).scalar_one())


def _wait_delivered(engine: sa.Engine, count: int, timeout: float) -> float:
    """Wait until ``count`` orders were delivered in all; the epoch time it happened."""
    deadline = time.monotonic() + timeout
    while _delivered(engine) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {_delivered(engine)} of {count} orders delivered in {timeout:.0f} s")
        time.sleep(0.05)
    return time.time()


def _as_epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value)).timestamp()


def _history(value: Any) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else json.loads(value)


def stage_times(engine: sa.Engine, sent: dict[str, float]) -> dict[str, list[float]]:
    """Each stage's seconds for the orders sent (docnum -> send time), from the hub's records."""
    with engine.connect() as conn:
        archived = conn.execute(sa.select(inbound.c.dedupe_key, inbound.c.hub_id, inbound.c.history)
                                .where(inbound.c.document_kind == "ORDERS")).all()
        queued = conn.execute(sa.select(messages.c.hub_id, messages.c.created_at, messages.c.history)
                              .where(messages.c.system == "erp_sap", messages.c.doc_type == "sales_order")
                              .order_by(messages.c.id)).all()
    first_message: dict[str, Any] = {}
    for row in queued:
        first_message.setdefault(row.hub_id, row)
    times: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for row in archived:
        docnum = row.dedupe_key.rsplit(":", 1)[-1]
        if docnum not in sent or row.hub_id not in first_message:
            continue
        history = {record["status"]: _as_epoch(record["at"]) for record in _history(row.history)}
        message = first_message[row.hub_id]
        attempts = _history(message.history)
        running = max(_as_epoch(r["at"]) for r in attempts if r["status"] == "running")
        done = max(_as_epoch(r["at"]) for r in attempts if r["status"] in ("delivered", "confirmed"))
        created = _as_epoch(message.created_at)
        marks = [sent[docnum], history["received"], history["mapped"], created, running, done]
        for stage, (start, end) in zip(STAGES, zip(marks, marks[1:], strict=False), strict=False):
            times[stage].append(end - start)
        times["total"].append(done - sent[docnum])
    return times


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else float("nan")


def max_throughput(sender: Sender, engine: sa.Engine, count: int) -> float:
    """Orders per second through the whole flow, with 8 clients sending as fast as answered."""
    before = _delivered(engine)
    started = time.time()
    with ThreadPoolExecutor(8) as pool:
        for _ in range(count):
            pool.submit(sender.send)
    finished = _wait_delivered(engine, before + count - len(sender.errors), timeout=600)
    return count / (finished - started)


def at_rate(sender: Sender, engine: sa.Engine, rate: float, seconds: float, least: int) -> dict[str, Any]:
    """Orders sent on schedule at ``rate`` per second for ``seconds`` (at least ``least``
    orders); p50/p99 per stage."""
    before_sent = dict(sender.sent)
    before = _delivered(engine)
    count = max(least, int(rate * seconds))
    start = time.monotonic()
    late = 0
    with ThreadPoolExecutor(32) as pool:
        for n in range(count):
            due = start + n / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            elif pause < -0.05:
                late += 1
            pool.submit(sender.send)
    _wait_delivered(engine, before + len(sender.sent) - len(before_sent), timeout=600)
    sent = {docnum: at for docnum, at in sender.sent.items() if docnum not in before_sent}
    times = stage_times(engine, sent)
    return {"rate": round(rate, 1), "orders": len(sent), "late_sends": late,
            **{f"{stage}_p50_ms": round(_percentile(times[stage], 0.5), 1) for stage in STAGES},
            **{f"{stage}_p99_ms": round(_percentile(times[stage], 0.99), 1) for stage in STAGES}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="300 orders for the maximum, 8 s per rate")
    parser.add_argument("--max-orders", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="how long each rate is held")
    parser.add_argument("--min-orders", type=int, default=None, help="fewest orders sent at each rate")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of hub run (default 2)")
    args = parser.parse_args(argv)
    max_orders = args.max_orders or (300 if args.short else 2_000)
    seconds = args.seconds or (8.0 if args.short else 30.0)
    least = args.min_orders or (40 if args.short else 200)
    figures: dict[str, Any] = {"bench": "e2e", "short": args.short, "workers": args.workers}
    with tempfile.TemporaryDirectory(prefix="bench_e2e_") as name, _simulator() as urls:
        folder = Path(name)
        port = _free_port()
        config = _write_config(folder, urls, port)
        _hub(config, "init")
        write_debmas(folder / "debmas.xml", CUSTOMERS)
        write_matmas(folder / "matmas.xml", PRODUCTS)
        _hub(config, "load", "erp_sap", "customers", "--source", str(folder / "debmas.xml"))
        _hub(config, "load", "erp_sap", "products", "--source", str(folder / "matmas.xml"))
        engine = sa.create_engine(f"sqlite:///{folder / 'hub.db'}")
        with _running_hub(config, port, args.workers):
            sender = Sender(port)
            for _ in range(20):  # warm up: connections, the WSDL, the mapping tables
                sender.send()
            _wait_delivered(engine, len(sender.sent), timeout=120)
            load = os.getloadavg()[0]
            top = max_throughput(sender, engine, max_orders)
            figures.update(max_orders_per_s=round(top, 1), max_orders=max_orders, load_avg_at_max=round(load, 2))
            print(f"maximum: {top:.1f} orders/s from HTTP arrival to SOAP delivery ({max_orders} orders,"
                  f" 8 clients, {args.workers} hub workers; load average {load:.2f})")
            print(f"{'rate':>12} {'orders':>6}  " + "  ".join(f"{s:>17}" for s in STAGES) + "   (p50 / p99 ms)")
            for share in (0.1, 0.5, 0.9):
                load = os.getloadavg()[0]
                result = at_rate(sender, engine, top * share, seconds, least)
                result["load_avg"] = round(load, 2)
                figures[f"at_{int(share * 100)}pct"] = result
                cells = "  ".join(f"{result[f'{s}_p50_ms']:>7.1f} / {result[f'{s}_p99_ms']:>7.1f}" for s in STAGES)
                print(f"{int(share * 100):>3} % {result['rate']:>6.1f}/s {result['orders']:>6}  {cells}"
                      f"   (load {load:.2f}, {result['late_sends']} sends late)")
            figures["errors"] = len(sender.errors)
            if sender.errors:
                print(f"{len(sender.errors)} requests failed, first: {sender.errors[0]}")
        engine.dispose()
    print(json.dumps(figures))
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

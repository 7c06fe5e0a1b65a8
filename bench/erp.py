"""Bench (issue #5): the ERP side of the hub, end to end.

(a) ORDERS05 IDocs (10 items each) ingested per second end to end (parse, map, store,
    enqueue) on SQLite: by one process through ``HubRuntime(...).ingestor``, as the
    HTTP port and ``hub ingest`` do with a small payload; then through the file port,
    files dropped in its inbound folder and one ``poll`` taking them, which hands them
    to the ingest pool (``ingest_workers`` processes; its start-up is timed apart, as a running hub
    has it started). The customers and materials the orders reference are loaded first
    (DEBMAS and MATMAS through ``hub load``'s path), so every order maps and posts.
    Then as many again through the HTTP port (``POST /erp_sap/idoc``, IDoc-XML payloads
    of ``PORT_ORDERS`` orders posted one after the other to the hub's server in this
    process) and as many again through ``hub ingest FILE`` (one file of ``PORT_ORDERS``
    orders at a time): one large payload, cut into parts for the ingest pool where the
    code does that (``ingest_pool_min_documents``). Wall time and CPU time (this process
    and the pool's workers).
(b) The initial load of N DEBMAS customers from one IDoc-XML file (``hub load erp_sap
    customers``): rate and peak RSS. It runs in a child process, so the peak RSS is the
    load's own and not that of the order bench. From 50,000 customers the load runs in
    its ingest pool: the processes that parsed, and the largest worker's peak RSS.
(c) SOAP round trips per second to the ERP simulator, measured by ``bench/erp_soap.py``.

    .venv/bin/python bench/erp.py            # 20,000 orders, 1,000,000 customers, 2,000 SOAP calls
    .venv/bin/python bench/erp.py --short    # 2,000 orders, 20,000 customers, 300 SOAP calls

Each part prints its figures; the last line is JSON with all of them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
# The bench folder holds scripts named like standard modules (queue.py); with it on the
# path they would shadow them, so it goes, and erp_soap.py is loaded by its file name.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))

from hub.core.inbound.outcome import summarise
from hub.core.raw import RawDocument, Segment
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate
from hub.core.store.keymap import key_map
from plugins.erp_sap.fileport import FilePort
from plugins.erp_sap.idoc.codec import IdocCodecs
from plugins.erp_sap.settings import PLUGIN, ErpSapSettings
from plugins.erp_sap.simulator.masterdata_idocs import write_debmas, write_matmas

ITEMS = 10
FILE_ORDERS = 500
"""Orders per IDoc file, as an ERP's file port or HTTP port hands them over."""
PORT_ORDERS = 1000
"""Orders per payload posted to the HTTP port or named to ``hub ingest``."""


def _bench_module(name: str) -> ModuleType:
    """Another bench script, imported from its file."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_rss_mb(pid: int) -> float:
    """Peak resident set size of a running process in MB (Linux: VmHWM, in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmHWM for process {pid}")


def hub_runtime(folder: Path) -> HubRuntime:
    """A fresh hub on a SQLite file in ``folder``, with the repository's mapping tables."""
    settings = HubSettings(
        database_url=f"sqlite:///{folder / 'hub.db'}", mappings_dir=ROOT / "plugins" / "erp_sap" / "mappings",
        http={"host": "127.0.0.1", "port": 0},
        plugins={"erp_sap": {"definitions_dir": str(folder / "idoc_definitions"),
                             "inbound_dir": str(folder / "in"), "outbound_dir": str(folder / "out")}},
    )
    runtime = HubRuntime(settings)
    migrate.upgrade(runtime.engine)
    return runtime


def initial_load(runtime: HubRuntime, object_name: str, path: Path) -> tuple[float, int, int, int]:
    """Run ``hub load erp_sap OBJECT --source PATH``'s load (in the ingest pool when it is
    large enough); returns (seconds, done, failed, processes)."""
    spec, job = runtime.initial_load("erp_sap", object_name)
    opened = spec.open(runtime.plugin_context("erp_sap"), str(path))
    started = time.perf_counter()
    result = job.run(opened.documents, opened.source, opened.key, parts=opened.parts, total=opened.total)
    return time.perf_counter() - started, result.done, result.failed, result.processes


class ChildPeakRss:
    """The largest peak RSS among this process's children while it runs (a sampling thread:
    the pool's workers are gone when the load returns, and a spawned child's rusage would
    count this process's pages from between its fork and its exec)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ChildPeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            for pid in _children():
                try:
                    self.peak_mb = max(self.peak_mb, _peak_rss_mb(pid))
                except (OSError, RuntimeError):
                    continue  # gone meanwhile


def _children() -> list[int]:
    pids: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        pids += [int(pid) for pid in (task / "children").read_text().split()]
    return pids


def _control(number: int) -> dict[str, str]:
    return {"TABNAM": "EDI_DC40", "MANDT": "800", "DOCNUM": f"{number:016d}", "DIRECT": "2",
            "IDOCTYP": "ORDERS05", "MESTYP": "ORDERS", "SNDPOR": "SAPPRD", "SNDPRT": "LS",
            "SNDPRN": "PRDCLNT800", "RCVPOR": "CRMHUB", "RCVPRT": "LS", "RCVPRN": "CRMHUB",
            "CREDAT": "20240611", "CRETIM": "101542"}


def loaded_ids(runtime: HubRuntime, object_type: str) -> list[str]:
    """The erp_sap ids of the loaded documents of one type (a record the mapping
    refused is not there, and an order naming it would rightly fail)."""
    with runtime.engine.connect() as conn:
        return list(conn.execute(
            sa.select(key_map.c.external_id)
            .where(key_map.c.system == "erp_sap", key_map.c.object_type == object_type)
            .order_by(key_map.c.external_id)
        ).scalars())


def orders(count: int, customers: list[str], products: list[str], start: int = 1) -> Iterator[RawDocument]:
    """ORDERS05 IDocs of ``ITEMS`` items each (E1EDP01 + E1EDP19), for loaded customers and materials.

    No E1EDP20 schedule lines: the ORDERS table maps E1EDP20.BMENG, which the shipped
    ORDERS05 definition lacks, and a line without it fails on confirmed_quantity.
    """
    for n in range(start, start + count):
        customer = customers[n % len(customers)]
        body = [
            Segment("E1EDK01", {"CURCY": "EUR", "BSART": "TA", "ZTERM": "ZB14", "BELNR": f"{n:010d}"}),
            Segment("E1EDK14", {"QUALF": "008", "ORGID": "1000"}),
            Segment("E1EDK14", {"QUALF": "007", "ORGID": "10"}),
            Segment("E1EDK14", {"QUALF": "006", "ORGID": "00"}),
            Segment("E1EDK03", {"IDDAT": "012", "DATUM": "20240610"}),
            Segment("E1EDK03", {"IDDAT": "002", "DATUM": "20240620"}),
            Segment("E1EDKA1", {"PARVW": "AG", "PARTN": customer}),
            Segment("E1EDKA1", {"PARVW": "WE", "PARTN": customer}),
            Segment("E1EDK02", {"QUALF": "001", "BELNR": f"PO-{n}", "DATUM": "20240610"}),
        ]
        for item in range(1, ITEMS + 1):
            material = products[(n * ITEMS + item) % len(products)]
            body.append(Segment("E1EDP01", {
                "POSEX": f"{item * 10:06d}", "MENGE": f"{item}.000", "MENEE": "ST", "VPREI": "112.50",
                "NETWR": f"{112.5 * item:.2f}", "WERKS": "1000",
            }, [
                Segment("E1EDP19", {"QUALF": "002", "IDTNR": material, "KTEXT": f"Material {material[-6:]}"}),
            ]))
        total = sum(112.5 * item for item in range(1, ITEMS + 1))
        body.append(Segment("E1EDS01", {"SUMID": "002", "SUMME": f"{total:.2f}", "WAERQ": "EUR"}))
        yield RawDocument("erp_sap", "ORDERS", f"{n:016d}", "idoc", body, _control(n))


def order_bench(folder: Path, count: int, customers: int, products: int) -> dict[str, object]:
    """Part (a): load the master data, write the order files, ingest them timed."""
    runtime = hub_runtime(folder)
    customer_file, product_file = folder / "debmas.xml", folder / "matmas.xml"
    write_debmas(customer_file, customers)
    write_matmas(product_file, products)
    loaded = [initial_load(runtime, "customers", customer_file), initial_load(runtime, "products", product_file)]
    failed_masterdata = sum(failed for _, _, failed, _ in loaded)
    known_customers, known_products = loaded_ids(runtime, "partner"), loaded_ids(runtime, "product")
    codecs = IdocCodecs.from_settings(_erp_settings(runtime))
    files = []
    for start in range(1, count + 1, FILE_ORDERS):
        batch = orders(min(FILE_ORDERS, count + 1 - start), known_customers, known_products, start)
        payload = codecs.render_flat(batch)
        files.append((f"orders_{start:08d}.txt", payload))
    ingestor = runtime.ingestor("erp_sap")
    counts: Counter[str] = Counter()
    started = time.perf_counter()
    for name, payload in files:
        counts.update(summarise(ingestor.ingest(payload, name)))
    elapsed = time.perf_counter() - started
    pooled = _pool_bench(runtime, codecs, count, known_customers, known_products)
    ported = _one_payload_bench(runtime, codecs, count, known_customers, known_products)
    runtime.close()
    return {"orders": count, "items_per_order": ITEMS, "order_files": len(files),
            "orders_seconds": round(elapsed, 2), "orders_per_s": round(count / elapsed),
            "orders_outcomes": dict(counts), **pooled, **ported, "masterdata_failed": failed_masterdata,
            "customers_known": len(known_customers), "products_known": len(known_products),
            "customers_loaded": customers, "customers_load_per_s": round(customers / loaded[0][0]),
            "products_loaded": products}


def _pool_bench(runtime: HubRuntime, codecs: IdocCodecs, count: int, customers: list[str],
                products: list[str]) -> dict[str, object]:
    """The same number of new orders as files in the file port's inbound folder, taken by one poll."""
    inbound = _erp_settings(runtime).inbound_dir
    inbound.mkdir(parents=True, exist_ok=True)
    for start in range(count + 1, 2 * count + 1, FILE_ORDERS):
        path = inbound / f"orders_{start:08d}.txt"
        batch = orders(min(FILE_ORDERS, 2 * count + 1 - start), customers, products, start)
        path.write_bytes(codecs.render_flat(batch))
    started = time.perf_counter()
    pool = runtime.ingest_pool("erp_sap")
    assert pool is not None, "ingest_workers is 1: no pool to measure"
    pool.start()
    pool_start = time.perf_counter() - started
    started = time.perf_counter()
    results = FilePort(runtime.plugin_context("erp_sap")).poll()
    elapsed = time.perf_counter() - started
    counts = sum((Counter(result.counts) for result in results), Counter())
    # From /proc, not getrusage: a spawned child's rusage counts this process's pages
    # from the moment between its fork and its exec.
    worker_peak = max(_peak_rss_mb(pid) for pid in pool.pids)
    return {"pool_workers": runtime.settings.ingest_workers, "pool_start_seconds": round(pool_start, 2),
            "pool_orders_seconds": round(elapsed, 2), "pool_orders_per_s": round(count / elapsed),
            "pool_orders_outcomes": dict(counts), "pool_worker_peak_rss_mb": worker_peak}


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) of this process and of the processes ``pids``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = time.process_time()
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _one_payload_bench(runtime: HubRuntime, codecs: IdocCodecs, count: int, customers: list[str],
                       products: list[str]) -> dict[str, object]:
    """``count`` new orders through the HTTP port, then ``count`` more through ``hub ingest
    FILE``, in payloads of ``PORT_ORDERS`` orders, one payload at a time."""
    from click.testing import CliRunner

    from hub.cli.main import build_cli
    from hub.http import serve

    pool = runtime.ingest_pool("erp_sap")
    pids = pool.pids if pool is not None else []
    payloads = [codecs.render_xml(orders(min(PORT_ORDERS, 3 * count + 1 - start), customers, products, start))
                for start in range(2 * count + 1, 3 * count + 1, PORT_ORDERS)]
    server = serve(runtime)
    counts: Counter[str] = Counter()
    try:
        with httpx.Client(timeout=600, headers={"Content-Type": "application/xml"}) as client:
            cpu, started = _cpu_seconds(pids), time.perf_counter()
            for payload in payloads:
                answer = client.post(f"{server.url}/erp_sap/idoc", content=payload)
                answer.raise_for_status()
                counts.update(answer.json()["summary"])
            http_seconds, http_cpu = time.perf_counter() - started, _cpu_seconds(pids) - cpu
    finally:
        server.stop()
    files = []
    folder = _erp_settings(runtime).inbound_dir.parent / "ingest"
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(3 * count + 1, 4 * count + 1, PORT_ORDERS):
        path = folder / f"orders_{start:08d}.xml"
        path.write_bytes(codecs.render_xml(orders(min(PORT_ORDERS, 4 * count + 1 - start), customers, products,
                                                  start)))
        files.append(path)
    cli = build_cli(runtime)
    ingested: Counter[str] = Counter()
    cpu, started = _cpu_seconds(pids), time.perf_counter()
    for path in files:
        result = CliRunner().invoke(cli, ["ingest", "erp_sap", str(path), "--json"], obj=runtime)
        ingested.update(json.loads(result.stdout)["summary"])
    cli_seconds, cli_cpu = time.perf_counter() - started, _cpu_seconds(pids) - cpu
    return {"port_orders_per_payload": PORT_ORDERS,
            "http_orders_seconds": round(http_seconds, 2), "http_orders_per_s": round(count / http_seconds),
            "http_cpu_seconds": round(http_cpu, 2), "http_orders_outcomes": dict(counts),
            "ingest_orders_seconds": round(cli_seconds, 2), "ingest_orders_per_s": round(count / cli_seconds),
            "ingest_cpu_seconds": round(cli_cpu, 2), "ingest_orders_outcomes": dict(ingested)}


def _erp_settings(runtime: HubRuntime) -> ErpSapSettings:
    return runtime.plugin_settings(PLUGIN, ErpSapSettings)


def load_bench(folder: Path, count: int) -> dict[str, object]:
    """Part (b), run in a child process: write one DEBMAS file of ``count`` customers, load it."""
    path = folder / "debmas_load.xml"
    started = time.perf_counter()
    write_debmas(path, count)
    written = time.perf_counter() - started
    size_mb = path.stat().st_size / 1e6
    runtime = hub_runtime(folder)
    rss_before = peak_rss_mb()
    with ChildPeakRss() as workers:
        seconds, done, failed, processes = initial_load(runtime, "customers", path)
    runtime.close()
    return {"load_customers": count, "load_done": done, "load_failed": failed,
            "load_file_mb": round(size_mb, 1), "load_write_seconds": round(written, 1),
            "load_seconds": round(seconds, 1), "load_per_s": round(done / seconds),
            "load_processes": processes, "load_peak_rss_mb": round(peak_rss_mb(), 1),
            "load_worker_peak_rss_mb": workers.peak_mb, "load_rss_before_mb": round(rss_before, 1)}


def _run_child(part: str, count: int) -> dict[str, object]:
    """Run one part in a fresh interpreter; its last output line is its JSON."""
    output = subprocess.run([sys.executable, __file__, "--part", part, "--count", str(count)],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _soap(calls: int) -> dict[str, object]:
    """Part (c): ``bench/erp_soap.py``'s measurement, its JSON line read back."""
    import contextlib
    import io

    out = io.StringIO()
    saved, sys.argv = sys.argv, ["erp_soap.py", "--calls", str(calls)]
    try:
        with contextlib.redirect_stdout(out):
            _bench_module("erp_soap").main()
    finally:
        sys.argv = saved
    lines = out.getvalue().strip().splitlines()
    for line in lines[:-1]:
        print(f"  soap {line.strip()}")
    figures = json.loads(lines[-1])
    return {"soap_calls": figures["calls"], "soap_sequential_per_s": figures["sequential_per_s"],
            "soap_threads4_per_s": figures["threads4_per_s"], "soap_sequential_p99_ms": figures["sequential_p99_ms"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="2,000 orders, 20,000 customers, 300 SOAP calls")
    parser.add_argument("--orders", type=int, default=None)
    parser.add_argument("--customers", type=int, default=None, help="customers of the initial load (b)")
    parser.add_argument("--soap-calls", type=int, default=None)
    parser.add_argument("--skip", action="append", default=[], choices=["orders", "load", "soap"])
    parser.add_argument("--part", choices=["orders", "load"], help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part:
        with tempfile.TemporaryDirectory(prefix="bench_erp_") as folder:
            result = (load_bench(Path(folder), args.count) if args.part == "load"
                      else order_bench(Path(folder), args.count, customers=2_000, products=1_000))
        print(json.dumps(result))
        return 0
    order_count = args.orders or (2_000 if args.short else 20_000)
    load_count = args.customers or (20_000 if args.short else 1_000_000)
    soap_calls = args.soap_calls or (300 if args.short else 2_000)
    figures: dict[str, object] = {"bench": "erp", "short": args.short}
    if "orders" not in args.skip:
        result = _run_child("orders", order_count)
        figures.update(result)
        print(f"(a) {order_count:,} ORDERS05 ({ITEMS} items) ingested in {result['orders_seconds']} s: "
              f"{result['orders_per_s']:,} IDocs/s end to end by one process {result['orders_outcomes']}; "
              f"{result['customers_loaded']:,} customers loaded first at {result['customers_load_per_s']:,}/s")
        print(f"    {order_count:,} more through the file port and its pool of {result['pool_workers']} workers "
              f"(started in {result['pool_start_seconds']} s) in {result['pool_orders_seconds']} s: "
              f"{result['pool_orders_per_s']:,} IDocs/s {result['pool_orders_outcomes']}, "
              f"peak RSS of a worker {result['pool_worker_peak_rss_mb']} MB")
        print(f"    {order_count:,} more through the HTTP port, payloads of {result['port_orders_per_payload']:,}: "
              f"{result['http_orders_per_s']:,} IDocs/s ({result['http_orders_seconds']} s, CPU "
              f"{result['http_cpu_seconds']} s) {result['http_orders_outcomes']}")
        print(f"    {order_count:,} more through `hub ingest FILE`, files of {result['port_orders_per_payload']:,}: "
              f"{result['ingest_orders_per_s']:,} IDocs/s ({result['ingest_orders_seconds']} s, CPU "
              f"{result['ingest_cpu_seconds']} s) {result['ingest_orders_outcomes']}")
    if "load" not in args.skip:
        result = _run_child("load", load_count)
        figures.update(result)
        print(f"(b) initial load of {result['load_done']:,} DEBMAS customers ({result['load_file_mb']} MB IDoc-XML) "
              f"in {result['load_seconds']} s: {result['load_per_s']:,}/s, {result['load_failed']} failed, "
              f"peak RSS {result['load_peak_rss_mb']} MB; parsed and mapped by {result['load_processes']} "
              f"process(es), peak RSS of a worker {result['load_worker_peak_rss_mb']} MB")
    if "soap" not in args.skip:
        result = _soap(soap_calls)
        figures.update(result)
        print(f"(c) SOAP round trips to the simulator: {result['soap_sequential_per_s']}/s sequential, "
              f"{result['soap_threads4_per_s']}/s with 4 threads")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

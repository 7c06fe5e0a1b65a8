"""Bench: SOAP round trips per second from the zeep client to the ERP simulator.

The simulator runs in its own process (``erp-sim --port 0``), as a real ERP would, so
client and server do not share one interpreter lock. Each call creates a new order
(2 items). Measured: one client calling sequentially, then 4 threads sharing one
client. Prints the figures; the last line is JSON.

    .venv/bin/python bench/erp_soap.py [--calls 2000] [--short]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import count

from plugins.erp_sap.soap import SalesArea, SalesOrderSoapClient

_ids = count(1)


def _order() -> dict:
    n = next(_ids)
    return {
        "hub_id": f"so_BENCH{n:010d}", "currency": "EUR",
        "partners": [{"function": "sold_to", "external_id": f"{100001 + n % 500}"}],
        "items": [
            {"item_number": 10, "product_external_id": f"{400001 + n % 200}",
             "quantity": {"value": "2", "unit": "PCE"}, "net_price": {"amount": "12.50", "currency": "EUR"}},
            {"item_number": 20, "product_external_id": "400002", "quantity": {"value": "1", "unit": "PCE"}},
        ],
    }


def _timed_call(client: SalesOrderSoapClient) -> float:
    started = time.perf_counter()
    client.create_order(_order())
    return time.perf_counter() - started


def _run(client: SalesOrderSoapClient, calls: int, threads: int) -> tuple[float, list[float]]:
    started = time.perf_counter()
    if threads == 1:
        latencies = [_timed_call(client) for _ in range(calls)]
    else:
        with ThreadPoolExecutor(threads) as pool:
            latencies = list(pool.map(lambda _: _timed_call(client), range(calls)))
    return calls / (time.perf_counter() - started), latencies


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per scenario")
    parser.add_argument("--short", action="store_true", help="300 calls per scenario")
    args = parser.parse_args()
    calls = 300 if args.short else args.calls
    code = "from plugins.erp_sap.simulator.cli import erp_sim; erp_sim()"
    sim = subprocess.Popen([sys.executable, "-c", code, "--port", "0", "--json"],
                           stdout=subprocess.PIPE, text=True)
    try:
        urls = json.loads(sim.stdout.readline())
        client = SalesOrderSoapClient(urls["wsdl_url"], None, None, None, timeout=10,
                                      sales_area=SalesArea("1000", "10", "00"))
        client.create_order(_order())  # loads the WSDL once, outside the measurement
        results = {}
        for name, threads in (("sequential", 1), ("threads4", 4)):
            rate, latencies = _run(client, calls, threads)
            results[name] = {"calls_per_s": round(rate, 1), "p50_ms": round(_percentile(latencies, 0.5), 2),
                             "p99_ms": round(_percentile(latencies, 0.99), 2),
                             "mean_ms": round(statistics.fmean(latencies) * 1000, 2)}
            print(f"{name:>10}: {rate:8.1f} SOAP round trips/s  p50 {results[name]['p50_ms']} ms"
                  f"  p99 {results[name]['p99_ms']} ms  ({calls} calls)")
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        sim.stdout.close()
    print(json.dumps({"bench": "erp_soap", "calls": calls,
                      "sequential_per_s": results["sequential"]["calls_per_s"],
                      "threads4_per_s": results["threads4"]["calls_per_s"],
                      "sequential_p99_ms": results["sequential"]["p99_ms"],
                      "threads4_p99_ms": results["threads4"]["p99_ms"]}))


if __name__ == "__main__":
    main()

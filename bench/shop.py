"""Bench of the web-shop plugin: webhooks accepted, orders to the ERP, and nothing lost in chaos.

Everything talks over real HTTP on 127.0.0.1 to a real ``hub run`` process (its own
interpreter, as in production):

1. ``accept``: signed Shopify order webhooks posted by an async client (64 in flight)
   as fast as the hub takes them: webhooks accepted durably (answered 2xx, which the
   hub sends after its inbox commit) per second; then at a fixed 300/s (open loop:
   latency counted from each request's scheduled time), p50/p99 acceptance latency.
   On SQLite, and on PostgreSQL when ``HUB_TEST_POSTGRES_URL`` is set (a fresh schema).
2. ``erp``: guest orders by webhook at 100/s to a hub with erp_sap and the ERP simulator
   (SOAP): latency from the webhook's send to the ERP simulator storing the order, p50/p99.
3. ``chaos``: the shop simulator places a burst of orders and sends its webhooks (5 %
   dropped, Shopify's retry schedule on non-2xx, time-scaled); the hub is SIGKILLed in
   the middle of the burst and restarted; then ``hub shop sync`` reconciles. Counted:
   orders that never reached the ERP (lost), reached it twice (duplicated), and shop
   orders not showing the ERP's fulfilment with tracking (wrong state). All must be 0.

Usage: ``.venv/bin/python bench/shop.py [--short] [--parts accept,erp,chaos]``. Prints
the figures; the last line is one JSON object.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script: bench/ off the path (its modules' names would shadow packages), the
# project on it (bench.pos_client).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import base64
import copy
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from bench.pos_client import LeanClient
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate
from hub.testing.databases import postgres_schema, postgres_server_url
from plugins.ecommerce.simulator import ProductSpec, ShopSimulator, ShopSpec
from plugins.erp_sap.simulator.delivery import FollowupTarget
from plugins.erp_sap.simulator.server import ErpSimulator

HUB = str(Path(sys.executable).parent / "hub")
USER, PASSWORD = "bench", "bench-secret"
CPD = "0000099999"
SOLD = 5
"""How many of the ERP simulator's materials the shop sells (its first ones), which the
hub loads from the ERP before the run."""
QUEUE = {"poll_interval": 0.01, "lease_seconds": 5.0,
         "retry": {"max_attempts": 50, "multiplier": 0.2, "min_wait": 0.2, "max_wait": 2.0}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


# -- the hub process ------------------------------------------------------------------


class HubProcess:
    """``hub run`` in its own process, configured through HUB_* variables."""

    def __init__(self, workdir: Path, database_url: str, plugins: dict[str, Any], disabled: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.env = {**os.environ, "HUB_DATABASE_URL": database_url, "HUB_DISABLED_PLUGINS": disabled,
                    "HUB_HTTP": json.dumps({"host": "127.0.0.1", "port": self.port, "username": USER,
                                            "password": PASSWORD, "max_body_bytes": 4 << 20}),
                    "HUB_QUEUE": json.dumps(QUEUE), "HUB_PLUGINS": json.dumps(plugins),
                    "HUB_MAPPINGS_DIR": str(workdir / "mappings")}
        settings = HubSettings.model_validate({"database_url": database_url, "plugins": plugins,
                                               "mappings_dir": str(workdir / "mappings")})
        runtime = HubRuntime(settings)
        migrate.upgrade(runtime.engine)
        runtime.close()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = open(workdir / "hub.log", "ab")

    def start(self) -> None:
        self.process = subprocess.Popen([HUB, "run"], cwd=self.workdir, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"hub run exited with {self.process.returncode}; see {self.workdir}/hub.log")
            time.sleep(0.1)
        raise RuntimeError(f"hub run did not answer /health within 60 s; see {self.workdir}/hub.log")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def cli(self, *args: str) -> Any:
        run = subprocess.run([HUB, *args, "--json"], cwd=self.workdir, env=self.env, capture_output=True,
                             text=True, timeout=600, check=False)
        if run.returncode != 0:
            raise RuntimeError(f"hub {' '.join(args)}: {run.stderr or run.stdout}")
        return json.loads(run.stdout)


@contextmanager
def databases(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'hub.db'}"
        return
    server = postgres_server_url()
    assert server is not None
    with postgres_schema(server) as url:
        yield url


# -- webhooks -------------------------------------------------------------------------


def order_template() -> dict[str, Any]:
    """A Shopify guest order as the simulator writes one."""
    with ShopSimulator([ShopSpec("tpl", "shopify")]) as sim:
        placed = sim.place_order("tpl", [{"sku": "400001", "quantity": 2}, {"sku": "400002", "quantity": 1}],
                                 guest={"email": "guest@bench.example", "first_name": "Bench", "last_name": "Guest",
                                        "address": {"address1": "Hauptstr. 1", "city": "Berlin", "zip": "10115",
                                                    "country": "DE"}})
    return placed


def signed_order(template: dict[str, Any], number: int, secret: str) -> tuple[bytes, dict[str, str]]:
    order = copy.deepcopy(template)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    order.update(id=7_000_000_000_000 + number, name=f"#B{number}", order_number=number, created_at=now,
                 updated_at=now, email=f"guest{number % 500}@bench.example")
    body = json.dumps(order).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return body, {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
                  "X-Shopify-Hmac-Sha256": signature, "X-Shopify-Event-Id": str(uuid.uuid4()),
                  "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Shop-Domain": "eu.myshopify.com"}


def _client(url: str, size: int) -> tuple[LeanClient, str]:
    """A lean keep-alive client for ``url``'s host and the path to post to. httpx's
    connection pool spent more CPU per request than the hub's route does (its queue of
    waiting requests is scanned for every one), and the bench measured the client."""
    parts = urlsplit(url)
    return LeanClient(str(parts.hostname), int(parts.port or 80), {}, size), parts.path


async def post_all(url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int) -> tuple[float, int]:
    """Post every request, ``concurrency`` in flight; (seconds, answered 2xx)."""
    client, path = _client(url, concurrency)
    accepted = 0
    queue: asyncio.Queue[tuple[bytes, dict[str, str]]] = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)

    async def worker() -> None:
        nonlocal accepted
        while not queue.empty():
            body, headers = queue.get_nowait()
            answer = await client.request("POST", path, headers=headers, content=body)
            accepted += 200 <= answer.status < 300

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    took = time.perf_counter() - started
    await client.close()
    return took, accepted


async def post_paced(url: str, requests: list[tuple[bytes, dict[str, str]]], rate: float,
                     sent: dict[int, float] | None = None) -> list[float]:
    """Post at ``rate`` per second on a fixed schedule; latencies from the scheduled times."""
    client, path = _client(url, 256)
    latencies: list[float] = []
    start = time.perf_counter()

    async def one(index: int, body: bytes, headers: dict[str, str]) -> None:
        due = start + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        if sent is not None:
            sent[index] = time.time()
        answer = await client.request("POST", path, headers=headers, content=body)
        if 200 <= answer.status < 300:
            latencies.append(time.perf_counter() - due)

    await asyncio.gather(*(one(i, b, h) for i, (b, h) in enumerate(requests)))
    await client.close()
    return latencies


# -- parts ----------------------------------------------------------------------------


def shop_table(sim: ShopSimulator) -> dict[str, Any]:
    return {"shops": sim.describe()["shops"]}


def accept_part(backend: str, count: int, seconds: float, root: Path) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"accept-{backend}-", dir=root))
    template = order_template()
    with ShopSimulator([ShopSpec("eu", "shopify")]) as sim, databases(backend, workdir) as url:
        secret = sim.shops["eu"].spec.webhook_secret
        hub = HubProcess(workdir, url, {"ecommerce": shop_table(sim)}, "erp_sap,loyalty_pos")
        hub.start()
        try:
            endpoint = f"{hub.url}/ecommerce/eu/webhooks"
            burst = [signed_order(template, n, secret) for n in range(count)]
            took, accepted = asyncio.run(post_all(endpoint, burst, 64))
            paced = [signed_order(template, count + n, secret) for n in range(int(300 * seconds))]
            latencies = asyncio.run(post_paced(endpoint, paced, 300.0))
        finally:
            hub.stop()
    figures = {"backend": backend, "webhooks": count, "accepted": accepted, "accepted_per_s": round(accepted / took),
               "paced_rate": 300, "paced_accepted": len(latencies), "paced_sent": len(paced),
               "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
               "p99_ms": round(percentile(latencies, 0.99) * 1000, 1)}
    print(f"accept [{backend}]: {accepted}/{count} signed webhooks accepted in {took:.2f} s = "
          f"{figures['accepted_per_s']}/s; at 300/s for {seconds:.0f} s: {len(latencies)}/{len(paced)} accepted, "
          f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms")
    return figures


def erp_table(sim: ErpSimulator, workdir: Path) -> dict[str, Any]:
    return {"order_channel": "soap", "username": USER, "password": PASSWORD, "wsdl": sim.wsdl_url,
            "endpoint": sim.endpoint_url, "idoc_url": sim.idoc_url, "timeout": 10.0, "replicate_partners": False,
            "one_time_customer": CPD, "inbound_dir": str(workdir / "in"), "outbound_dir": str(workdir / "out"),
            "definitions_dir": str(workdir / "defs"),
            "masterdata_url": f"{sim.base_url}/sim/idocs/{{message_type}}?count={SOLD}",
            "request_url": f"{sim.base_url}/sim/idocs/{{message_type}}/{{number}}"}


@contextmanager
def landscape(workdir: Path, chaos: dict[str, Any] | None = None) -> Iterator[tuple[HubProcess, ShopSimulator,
                                                                                     ErpSimulator]]:
    with ExitStack() as stack:
        shops = stack.enter_context(ShopSimulator([ShopSpec("eu", "shopify", products=_products())]))
        erp = stack.enter_context(ErpSimulator(customer_count=50, product_count=50, username=USER,
                                               password=SecretStr(PASSWORD)))
        erp.add_customer(CPD)
        hub = HubProcess(workdir, f"sqlite:///{workdir / 'hub.db'}",
                         {"ecommerce": shop_table(shops), "erp_sap": erp_table(erp, workdir)}, "loyalty_pos")
        # The shop's orders find their products by SKU (the ERP's material numbers): the
        # ERP's materials are in the hub before the first order, as in production.
        hub.cli("load", "erp_sap", "products")
        hub.start()
        stack.callback(hub.stop)
        erp.followups = FollowupTarget.parse(f"{hub.url}/erp_sap/idoc", USER, SecretStr(PASSWORD))
        # A Shopify Plus shop's bucket (400 calls, 20 a second): a standard shop's 2 calls a
        # second would make the pushes back, not the hub, the limit of the run.
        shops.bucket.SIZE, shops.bucket.LEAK_PER_SECOND = 400, 20.0
        if chaos:
            shops.set_chaos(**chaos)
        yield hub, shops, erp


def _products() -> tuple[ProductSpec, ...]:
    """The ERP simulator's first materials, with stock for any burst."""
    return tuple(ProductSpec(str(400001 + n), f"Material {400001 + n}", Decimal("10.00"), stock=1_000_000)
                 for n in range(SOLD))


def erp_orders(erp: ErpSimulator) -> dict[str, Any]:
    """The ERP simulator's orders by buyer id (the hub id of the order)."""
    return {order.request.buyer_id: order for order in list(erp.orders.values())}


def shop_ids(hub: HubProcess, hub_ids: list[str], database_url: str) -> dict[str, str]:
    """hub id -> the shop's id for it (SHOP:ID), read from the hub's key map."""
    runtime = HubRuntime(HubSettings.model_validate({"database_url": database_url,
                                                     "mappings_dir": str(hub.workdir / "mappings")}))
    try:
        with runtime.plugin_context("ecommerce").reading() as transaction:
            found = {h: transaction.external_id("sales_order", h) for h in hub_ids}
    finally:
        runtime.close()
    return {h: s for h, s in found.items() if s is not None}


def erp_part(rate: float, seconds: float, root: Path) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="erp-", dir=root))
    template = order_template()
    with landscape(workdir) as (hub, shops, erp):
        secret = shops.shops["eu"].spec.webhook_secret
        requests = [signed_order(template, n, secret) for n in range(int(rate * seconds))]
        sent: dict[int, float] = {}
        asyncio.run(post_paced(f"{hub.url}/ecommerce/eu/webhooks", requests, rate, sent))
        deadline = time.monotonic() + 120
        while len(erp.orders) < len(requests) and time.monotonic() < deadline:
            time.sleep(0.2)
        stored = erp_orders(erp)
        ids = shop_ids(hub, list(stored), f"sqlite:///{workdir / 'hub.db'}")
    latencies = [stored[h].created_at.timestamp() - sent[int(s.split(":")[1]) - 7_000_000_000_000]
                 for h, s in ids.items()]
    figures = {"rate": rate, "orders": len(requests), "in_erp": len(stored),
               "p50_ms": round(percentile(latencies, 0.5) * 1000), "p99_ms": round(percentile(latencies, 0.99) * 1000)}
    print(f"erp: {len(stored)}/{len(requests)} orders at {rate:.0f}/s reached the ERP simulator; webhook -> ERP call "
          f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms")
    return figures


def chaos_part(count: int, root: Path) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="chaos-", dir=root))
    guest = {"email": "guest@bench.example", "first_name": "Bench", "last_name": "Guest",
             "address": {"address1": "Hauptstr. 1", "city": "Berlin", "zip": "10115", "country": "DE"}}
    since = datetime.now(UTC).replace(microsecond=0).isoformat()
    with landscape(workdir, {"drop": 0.05, "seed": 11, "time_scale": 0.002}) as (hub, shops, erp):
        shops.connect("eu", f"{hub.url}/ecommerce/eu/webhooks")
        placed = []
        for n in range(count):
            placed.append(shops.place_order("eu", [{"sku": "400001", "quantity": 1 + n % 3}],
                                            guest={**guest, "email": f"guest{n % 500}@bench.example"})["id"])
            if n == count // 3:
                hub.kill()
                killed_at = n
                time.sleep(1.0)
                hub.start()
        shops.wait_for_deliveries(timeout=300)
        deliveries = shops.deliveries("eu")
        dropped = sum(1 for d in deliveries if d["state"] == "dropped")
        failed = sum(1 for d in deliveries if d["state"] == "failed")
        synced = hub.cli("shop", "sync", "eu", "--since", since)
        settled = _settle(hub, erp, shops, placed)
        stored = erp_orders(erp)
        ids = shop_ids(hub, list(stored), f"sqlite:///{workdir / 'hub.db'}")
        # Every ERP order beyond one per shop order is a duplicate: a second hub order for
        # a shop order cannot take the shop's id in the key map, so it shows as an ERP order
        # without one (the simulator itself takes a resend of one hub order only once).
        reached = [int(s.split(":")[1]) for s in ids.values()]
        wrong = sum(1 for i in placed if shops.order("eu", i)["fulfillment_status"] != "fulfilled"
                    or not shops.order("eu", i)["fulfillments"][0].get("tracking_number"))
    figures = {"orders": count, "killed_after": killed_at, "dropped_deliveries": dropped,
               "failed_deliveries": failed, "reconciled": synced["documents"], **settled,
               "lost": len(set(placed) - set(reached)), "duplicated": len(stored) - len(set(reached)),
               "wrong_state": wrong}
    print(f"chaos: {count} orders, hub SIGKILLed after order {killed_at}, {dropped} deliveries dropped, "
          f"{failed} given up; reconcile: {synced['documents']}; settled in {settled['settle_s']} s "
          f"({settled['hub_work_left']} messages or payloads still waiting in the hub); lost {figures['lost']}, "
          f"duplicated {figures['duplicated']}, wrong state {figures['wrong_state']}")
    return figures


STALL_SECONDS = 120.0
"""How long the hub may make no progress at all before the chaos part counts what it has:
the count waits for the hub to finish, however long a loaded machine makes that take,
so that "lost" never means "late"."""


def _settle(hub: HubProcess, erp: ErpSimulator, shops: ShopSimulator, placed: list[int]) -> dict[str, Any]:
    """Wait until every order is in the ERP and fulfilled in the shop, or nothing moves
    any more: the same ERP orders, fulfilments and hub backlog for ``STALL_SECONDS``."""
    started = last_change = time.monotonic()
    seen: tuple[int, int, int] | None = None
    while True:
        status = hub.cli("status")
        left = int(status["totals"]["messages_waiting"]) + int(status["inbox_waiting"])
        fulfilled = sum(1 for i in placed if shops.order("eu", i)["fulfillment_status"] == "fulfilled")
        now = (len(erp.orders), fulfilled, left)
        if now[0] >= len(placed) and fulfilled >= len(placed):
            break
        if now != seen:
            seen, last_change = now, time.monotonic()
        elif time.monotonic() - last_change > STALL_SECONDS:
            break
        time.sleep(2.0)
    return {"settle_s": round(time.monotonic() - started, 1), "hub_work_left": now[2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="2,000 webhooks, 5 s paced, 300 chaos orders")
    parser.add_argument("--parts", default="accept,erp,chaos")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    count, seconds, chaos = (2000, 5.0, 300) if args.short else (10_000, 20.0, 5000)
    results: dict[str, Any] = {"bench": "shop", "short": args.short}
    with tempfile.TemporaryDirectory(prefix="bench-shop-") as folder:
        root = Path(folder)
        if "accept" in parts:
            backends = ["sqlite"] + (["postgresql"] if postgres_server_url() else [])
            results["accept"] = [accept_part(b, count, seconds, root) for b in backends]
        if "erp" in parts:
            results["erp"] = erp_part(100.0, seconds, root)
        if "chaos" in parts:
            results["chaos"] = chaos_part(chaos, root)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

"""``ShopSimulator``: Shopify and WooCommerce shops on one real HTTP server on 127.0.0.1.

Tests and the demo use it through this Python API::

    with ShopSimulator([ShopSpec("eu", "shopify"), ShopSpec("fr", "woocommerce")]) as sim:
        sim.connect("eu", "http://127.0.0.1:8480/ecommerce/eu/webhooks")
        customer = sim.create_customer("eu", email="anna@example.de", last_name="Schmidt", address={...})
        order = sim.place_order("eu", [{"sku": "400001", "quantity": 2}], customer_id=customer["id"])
        sim.set_chaos(duplicate=0.1, seed=7)
        sim.wait_for_deliveries()
        sim.recorded("eu", "fulfillment")

Each shop's REST API lives under ``shop_url(name)`` (the hub's ``base_url`` for it); the
control API under ``/sim``. The server (Starlette on uvicorn) runs in a background
thread, the webhook sender in another; port 0 picks a free port. ``serve_forever()``
runs until SIGINT/SIGTERM instead (the ``hub shop-sim`` command).
"""

from __future__ import annotations

import copy
import signal
import socket
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from plugins.ecommerce.simulator.chaos import CallBucket, Chaos
from plugins.ecommerce.simulator.config import ShopSpec
from plugins.ecommerce.simulator.recorder import Recorder
from plugins.ecommerce.simulator.shopify_routes import shopify_routes
from plugins.ecommerce.simulator.shopify_shop import ShopifyShop
from plugins.ecommerce.simulator.sim_routes import sim_routes
from plugins.ecommerce.simulator.state import Ids, SimError
from plugins.ecommerce.simulator.subscriptions import SHOPIFY_TOPICS, WOOCOMMERCE_TOPICS, Subscription, Subscriptions
from plugins.ecommerce.simulator.webhooks import WebhookSender
from plugins.ecommerce.simulator.woocommerce_routes import woocommerce_routes
from plugins.ecommerce.simulator.woocommerce_shop import WooCommerceShop

API_VERSION = "2024-07"
Shop = ShopifyShop | WooCommerceShop


class ShopSimulator:
    """Simulated shops, their REST APIs, their webhooks, chaos, and what the hub pushed."""

    def __init__(self, shops: Iterable[ShopSpec], *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.lock = threading.RLock()
        self.chaos = Chaos()
        self.bucket = CallBucket()
        self.recorder = Recorder()
        self.subscriptions = Subscriptions()
        self.sender = WebhookSender(self.subscriptions, self.chaos, API_VERSION)
        self.shops: dict[str, Shop] = {}
        shopify_ids = Ids(small=False)
        for spec in shops:
            if spec.name in self.shops:
                raise SimError(f"shop {spec.name} is given twice")
            self.shops[spec.name] = (
                ShopifyShop(spec, shopify_ids, self._publish, self.recorder, self.lock) if spec.platform == "shopify"
                else WooCommerceShop(spec, Ids(small=True), self._publish, self.recorder, self.lock))
        if not self.shops:
            raise SimError("the simulator needs at least one shop")
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> str:
        """Serve in background threads; returns the base URL."""
        if self._server is not None:
            raise RuntimeError("the shop simulator is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        app = Starlette(routes=[*sim_routes(self), *shopify_routes(self), *woocommerce_routes(self)])
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", ws="none",
                                timeout_graceful_shutdown=2)
        server = self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="shop-simulator",
                                        daemon=True)
        self._thread.start()
        ready = threading.Event()
        while not server.started:
            if not self._thread.is_alive():
                self._server = None
                raise RuntimeError(f"the shop simulator failed to start on {self.host}:{self.port}")
            ready.wait(0.01)
        self.sender.start()
        return self.base_url

    def stop(self) -> None:
        """Stop the webhook sender and the server."""
        self.sender.stop()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def serve_forever(self, on_ready: Callable[[ShopSimulator], None] | None = None) -> None:
        """Serve until SIGINT or SIGTERM (call from the main thread), then stop cleanly."""
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.start()
            if on_ready is not None:
                on_ready(self)
            while not stop.wait(0.5):
                if self._thread is None or not self._thread.is_alive():
                    raise RuntimeError("the shop simulator's server stopped unexpectedly")
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def __enter__(self) -> ShopSimulator:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    def shop_url(self, name: str) -> str:
        """The base URL of one shop: the ``base_url`` the hub's settings give it."""
        self._shop(name)
        return f"{self.base_url}/shops/{name}"

    def describe(self) -> dict[str, Any]:
        """The simulator's URL and, per shop, what the hub's settings need (secrets included)."""
        shops = {}
        for name, shop in self.shops.items():
            spec = shop.spec
            entry: dict[str, Any] = {"platform": spec.platform, "base_url": self.shop_url(name),
                                     "webhook_secret": spec.webhook_secret, "currency": spec.currency}
            if spec.platform == "shopify":
                entry.update(access_token=spec.access_token, api_version=API_VERSION)
            else:
                entry.update(consumer_key=spec.consumer_key, consumer_secret=spec.consumer_secret)
            shops[name] = entry
        return {"url": self.base_url, "shops": shops}

    # -- the shoppers' and merchants' side ----------------------------------------------
    def connect(self, shop: str, url: str) -> list[Subscription]:
        """Subscribe ``url`` to every topic of ``shop`` (WooCommerce pings each new webhook)."""
        found = self._shop(shop)
        topics = SHOPIFY_TOPICS if found.platform == "shopify" else WOOCOMMERCE_TOPICS
        made = [self.subscriptions.add(shop, found.platform, topic, url, found.spec.webhook_secret)
                for topic in topics]
        if found.platform == "woocommerce":
            for subscription in made:
                self.sender.ping(subscription)
        return made

    def create_customer(self, shop: str, **given: Any) -> dict[str, Any]:
        """A shopper signs up (email, first_name, last_name, phone, address)."""
        with self.lock:
            return _copy(self._shop(shop).create_customer(given))

    def update_customer(self, shop: str, customer_id: int, **changes: Any) -> dict[str, Any]:
        """A shopper edits the account."""
        with self.lock:
            return _copy(self._shop(shop).update_customer(customer_id, changes))

    def place_order(self, shop: str, lines: list[dict[str, Any]], customer_id: int | None = None,
                    guest: dict[str, Any] | None = None, paid: bool = True) -> dict[str, Any]:
        """A checkout of ``lines`` ({sku, quantity}) by a customer or a guest."""
        with self.lock:
            return _copy(self._shop(shop).place_order(lines, customer_id, guest, paid))

    def edit_order(self, shop: str, order_id: int, **changes: Any) -> dict[str, Any]:
        """The merchant edits an order's note or shipping address."""
        with self.lock:
            return _copy(self._shop(shop).edit_order(order_id, changes))

    def pay(self, shop: str, order_id: int) -> dict[str, Any]:
        """The payment of an unpaid order arrives."""
        with self.lock:
            return _copy(self._shop(shop).pay(order_id))

    def cancel(self, shop: str, order_id: int, reason: str = "customer") -> dict[str, Any]:
        """The merchant cancels an order."""
        with self.lock:
            return _copy(self._shop(shop).cancel(order_id, reason))

    def refund(self, shop: str, order_id: int, lines: list[dict[str, Any]], shipping: bool = False,
               note: str | None = None) -> dict[str, Any]:
        """The merchant refunds lines ({line_item_id or sku, quantity}) and perhaps the shipping."""
        with self.lock:
            return _copy(self._shop(shop).refund(order_id, lines, shipping, note))

    def delete_order(self, shop: str, order_id: int) -> None:
        """The merchant deletes an order (WooCommerce only)."""
        found = self._shop(shop)
        if not isinstance(found, WooCommerceShop):
            raise SimError("only a WooCommerce shop deletes orders here")
        with self.lock:
            found.delete_order(order_id)

    def order(self, shop: str, order_id: int) -> dict[str, Any]:
        """The order as the shop now holds it."""
        with self.lock:
            return _copy(self._shop(shop).order(order_id))

    # -- trouble and what happened ----------------------------------------------------------
    def set_chaos(self, **changes: Any) -> dict[str, Any]:
        """Change the chaos settings (see ``chaos``); returns them all."""
        return self.chaos.update(changes)

    def recorded(self, shop: str | None = None, kind: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        """What the hub pushed back (fulfillment, inventory, price, order_status, stock...)."""
        return self.recorder.records(shop, kind, after)

    def deliveries(self, shop: str | None = None) -> list[dict[str, Any]]:
        """Every webhook delivery made, with its attempts and state."""
        return self.sender.deliveries(shop)

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Wait until no delivery is pending or being sent; False on timeout."""
        return self.sender.wait_idle(timeout)

    # -- internals ---------------------------------------------------------------------
    def _shop(self, name: str) -> Shop:
        try:
            return self.shops[name]
        except KeyError:
            raise SimError(f"no shop {name!r} (shops: {', '.join(sorted(self.shops))})", 404) from None

    def _publish(self, shop: str, topic: str, obj: dict[str, Any]) -> None:
        found = self.shops[shop]
        source = f"{found.site}/" if isinstance(found, WooCommerceShop) else f"{shop}.myshopify.com"
        self.sender.publish(shop, found.platform, source, topic, obj)


def _copy(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy a caller may keep and change (the stored object moves on)."""
    return copy.deepcopy(obj)

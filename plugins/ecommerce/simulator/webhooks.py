"""Signed webhook deliveries, sent the way the platforms send them, chaos included.

Each change of a shop becomes one delivery per active subscription to its topic: the
object as JSON, signed (base64 HMAC-SHA256 of the exact body with the secret), with the
platform's headers. One thread sends them in the order they fall due.

- Shopify re-sends a delivery that does not get a 2xx: 8 retries, waiting 1, 2, 4 ... 128
  minutes (about four hours in all, scaled by ``time_scale``), the same X-Shopify-Webhook-Id
  each time; after the last the subscription is deleted.
- WooCommerce sends once; after 5 failed deliveries in a row it disables the webhook. A
  new webhook is pinged first with the unsigned form body ``webhook_id=N``.

Chaos (``chaos.Chaos``) drops, duplicates or holds back deliveries as they are made.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Any

import httpx

from plugins.ecommerce.simulator.chaos import Chaos
from plugins.ecommerce.simulator.subscriptions import Subscription, Subscriptions

log = logging.getLogger(__name__)
SHOPIFY_RETRY_MINUTES = (1, 2, 4, 8, 16, 32, 64, 128)
HOLD_SECONDS = 0.5
"""How long a delivery held back for reordering waits for another one to overtake it."""


@dataclass
class Delivery:
    """One webhook delivery (and its retries) to one subscription.

    ``state``: pending, delivered, failed (no 2xx, retries used up), dropped (chaos), or
    not_sent (its subscription was deleted or disabled before its turn came).
    """

    id: int
    subscription: Subscription
    topic: str
    body: bytes
    headers: dict[str, str]
    object_id: Any = None
    state: str = "pending"
    duplicate_of: int | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """For ``GET /sim/deliveries`` and the Python API."""
        return {"id": self.id, "shop": self.subscription.shop, "platform": self.subscription.platform,
                "topic": self.topic, "subscription_id": self.subscription.id, "address": self.subscription.address,
                "object_id": self.object_id, "state": self.state, "duplicate_of": self.duplicate_of,
                "attempts": list(self.attempts), "headers": dict(self.headers)}


def signature(body: bytes, secret: str) -> str:
    """The platforms' signature: base64 of the HMAC-SHA256 of the body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class WebhookSender:
    """Makes deliveries of shop changes and sends them from a background thread."""

    def __init__(self, subscriptions: Subscriptions, chaos: Chaos, api_version: str = "2024-07",
                 timeout: float = 5.0) -> None:
        self.subscriptions = subscriptions
        self.chaos = chaos
        self.api_version = api_version
        self._timeout = timeout
        self._cond = threading.Condition()
        self._queue: list[tuple[float, int, Delivery]] = []
        self._held: dict[str, tuple[float, Delivery]] = {}
        self._log: list[Delivery] = []
        self._ids = count(1)
        self._sending = 0
        self._stop = False
        self._thread: threading.Thread | None = None

    # -- making deliveries -------------------------------------------------------------
    def publish(self, shop: str, platform: str, source: str, topic: str, obj: dict[str, Any]) -> None:
        """A change of ``shop``: one delivery per active subscription to ``topic``."""
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        event_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        for subscription in self.subscriptions.active(shop, topic):
            if platform == "shopify":
                headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic,
                           "X-Shopify-Hmac-Sha256": signature(body, subscription.secret),
                           "X-Shopify-Shop-Domain": source, "X-Shopify-API-Version": self.api_version,
                           "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Event-Id": event_id,
                           "X-Shopify-Triggered-At": now.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
            else:
                resource, event = topic.split(".")
                headers = {"Content-Type": "application/json", "User-Agent": "WooCommerce/8.9.3 Hookshot",
                           "X-WC-Webhook-Source": source, "X-WC-Webhook-Topic": topic,
                           "X-WC-Webhook-Resource": resource, "X-WC-Webhook-Event": event,
                           "X-WC-Webhook-Signature": signature(body, subscription.secret),
                           "X-WC-Webhook-ID": str(subscription.id),
                           "X-WC-Webhook-Delivery-ID": secrets.token_hex(16)}
            self._make(subscription, topic, body, headers, obj.get("id"))

    def ping(self, subscription: Subscription) -> None:
        """WooCommerce's ping of a new webhook: unsigned, form-encoded, sent first."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "WooCommerce/8.9.3 Hookshot"}
        delivery = Delivery(next(self._ids), subscription, "ping", f"webhook_id={subscription.id}".encode(), headers)
        with self._cond:
            self._log.append(delivery)
            self._push(0.0, delivery)

    def _make(self, subscription: Subscription, topic: str, body: bytes, headers: dict[str, str],
              object_id: Any) -> None:
        delivery = Delivery(next(self._ids), subscription, topic, body, headers, object_id)
        with self._cond:
            self._log.append(delivery)
            if self.chaos.draw("drop"):
                delivery.state = "dropped"
                return
            now = time.monotonic()
            held = self._held.pop(subscription.shop, None)
            if self.chaos.draw("reorder") and held is None:
                self._held[subscription.shop] = (now + HOLD_SECONDS, delivery)
                self._cond.notify_all()
            else:
                self._push(now, delivery)
                if held is not None:
                    self._push(now + 0.001, held[1])  # after the one that overtook it
            if self.chaos.draw("duplicate"):
                copy = Delivery(next(self._ids), subscription, topic, body, headers, object_id,
                                duplicate_of=delivery.id)
                self._log.append(copy)
                self._push(now, copy)

    def _push(self, due: float, delivery: Delivery) -> None:
        heapq.heappush(self._queue, (due, delivery.id, delivery))
        self._cond.notify_all()

    # -- reading -----------------------------------------------------------------------
    def deliveries(self, shop: str | None = None) -> list[dict[str, Any]]:
        """Every delivery made so far (of one shop), oldest first."""
        with self._cond:
            return [d.as_dict() for d in self._log if shop is None or d.subscription.shop == shop]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued, held or being sent; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._held or self._sending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
            return True

    # -- sending -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the sending thread."""
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="shop-sim-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sending (what is still queued stays unsent)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _next(self) -> Delivery | None:
        with self._cond:
            while not self._stop:
                now = time.monotonic()
                for shop, (until, held) in list(self._held.items()):
                    if until <= now:
                        del self._held[shop]
                        self._push(now, held)
                if self._queue and self._queue[0][0] <= now:
                    self._sending += 1
                    return heapq.heappop(self._queue)[2]
                waits = [self._queue[0][0] - now] if self._queue else []
                waits += [until - now for until, _ in self._held.values()]
                self._cond.wait(min(waits + [0.5]))
            return None

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout) as client:
            while (delivery := self._next()) is not None:
                try:
                    self._send(client, delivery)
                finally:
                    with self._cond:
                        self._sending -= 1
                        self._cond.notify_all()

    def _send(self, client: httpx.Client, delivery: Delivery) -> None:
        if delivery.topic != "ping" and delivery.subscription.status != "active":
            with self._cond:
                delivery.state = "not_sent"  # its subscription was deleted or disabled meanwhile
            return
        attempt: dict[str, Any] = {"at": datetime.now(UTC).isoformat()}
        try:
            response = client.post(delivery.subscription.address, content=delivery.body, headers=delivery.headers)
            attempt["status"] = response.status_code
            ok = 200 <= response.status_code < 300
        except httpx.HTTPError as exc:
            attempt["error"] = f"{type(exc).__name__}: {exc}"
            ok = False
        with self._cond:
            delivery.attempts.append(attempt)
            if delivery.topic == "ping":
                delivery.state = "delivered" if ok else "failed"
                return
            subscription = delivery.subscription
            if ok:
                delivery.state = "delivered"
                self.subscriptions.delivered(subscription, True)
            elif subscription.platform == "shopify" and len(delivery.attempts) <= len(SHOPIFY_RETRY_MINUTES):
                delay = self.chaos.scaled(SHOPIFY_RETRY_MINUTES[len(delivery.attempts) - 1] * 60.0)
                self._push(time.monotonic() + delay, delivery)
            else:
                delivery.state = "failed"
                status = self.subscriptions.delivered(subscription, False)
                if subscription.platform == "shopify":
                    self.subscriptions.set_status(subscription, "deleted")
                    log.warning("shop simulator: %s deleted webhook %s after %d failed attempts",
                                subscription.shop, subscription.id, len(delivery.attempts))
                elif status == "disabled":
                    log.warning("shop simulator: %s disabled webhook %s after %d failed deliveries",
                                subscription.shop, subscription.id, subscription.failures)

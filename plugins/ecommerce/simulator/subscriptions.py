"""Webhook subscriptions of the simulated shops, and their REST shapes.

A Shopify subscription is a (topic, address) pair signed with the app's secret (the
shop's ``webhook_secret``); a WooCommerce webhook has its own secret, a status, and a
count of consecutive failed deliveries: at 5 WooCommerce disables it. Shopify deletes a
subscription whose delivery failed through all its retries.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from plugins.ecommerce.simulator.state import Ids, SimError

SHOPIFY_TOPICS = ("orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled",
                  "refunds/create", "customers/create", "customers/update")
WOOCOMMERCE_TOPICS = ("order.created", "order.updated", "order.deleted", "customer.created", "customer.updated")
WOOCOMMERCE_MAX_FAILURES = 5


@dataclass
class Subscription:
    """One webhook subscription of one shop."""

    id: int
    shop: str
    platform: str
    topic: str
    address: str
    secret: str
    name: str = ""
    status: str = "active"
    failures: int = 0
    created_at: str = ""

    def shopify_json(self, api_version: str) -> dict[str, Any]:
        """As ``GET webhooks.json`` lists it."""
        return {"id": self.id, "address": self.address, "topic": self.topic, "created_at": self.created_at,
                "updated_at": self.created_at, "format": "json", "fields": [], "metafield_namespaces": [],
                "api_version": api_version, "private_metafield_namespaces": [],
                "admin_graphql_api_id": f"gid://shopify/WebhookSubscription/{self.id}"}

    def woocommerce_json(self) -> dict[str, Any]:
        """As ``GET webhooks`` lists it (the secret is write-only)."""
        resource, event = self.topic.split(".")
        created = self.created_at.replace("+00:00", "")
        return {"id": self.id, "name": self.name, "status": self.status, "topic": self.topic,
                "resource": resource, "event": event, "hooks": [f"woocommerce_{event}_{resource}"],
                "delivery_url": self.address, "date_created": created, "date_created_gmt": created,
                "date_modified": created, "date_modified_gmt": created}


class Subscriptions:
    """Every shop's subscriptions, safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = Ids(small=True)
        self._by_id: dict[int, Subscription] = {}

    def add(self, shop: str, platform: str, topic: str, address: str, secret: str,
            name: str = "") -> Subscription:
        """Subscribe ``address`` to ``topic`` of ``shop``; 422 for a topic the shop does not have."""
        topics = SHOPIFY_TOPICS if platform == "shopify" else WOOCOMMERCE_TOPICS
        if topic not in topics:
            raise SimError(f"topic {topic!r} is not one of {', '.join(topics)}")
        if not address.startswith(("http://", "https://")):
            raise SimError("the address must be an http(s) URL")
        with self._lock:
            subscription = Subscription(self._ids.next("webhook"), shop, platform, topic, address, secret,
                                        name or f"Hub {topic}",
                                        created_at=datetime.now(UTC).replace(microsecond=0).isoformat())
            self._by_id[subscription.id] = subscription
            return subscription

    def active(self, shop: str, topic: str) -> list[Subscription]:
        """The active subscriptions of ``shop`` to ``topic``."""
        with self._lock:
            return [s for s in self._by_id.values() if s.shop == shop and s.topic == topic and s.status == "active"]

    def of_shop(self, shop: str) -> list[Subscription]:
        """All subscriptions of ``shop`` that were not deleted."""
        with self._lock:
            return [s for s in self._by_id.values() if s.shop == shop and s.status != "deleted"]

    def get(self, subscription_id: int, shop: str) -> Subscription:
        """One subscription of ``shop``; 404 otherwise."""
        with self._lock:
            found = self._by_id.get(subscription_id)
        if found is None or found.shop != shop or found.status == "deleted":
            raise SimError(f"no webhook {subscription_id}", 404)
        return found

    def set_status(self, subscription: Subscription, status: str) -> None:
        """active, paused, disabled (WooCommerce) or deleted; re-activating clears the failures."""
        with self._lock:
            subscription.status = status
            if status == "active":
                subscription.failures = 0

    def delivered(self, subscription: Subscription, ok: bool) -> str:
        """Count a delivery's outcome; returns the subscription's status afterwards."""
        with self._lock:
            subscription.failures = 0 if ok else subscription.failures + 1
            if subscription.platform == "woocommerce" and subscription.failures >= WOOCOMMERCE_MAX_FAILURES:
                subscription.status = "disabled"
            return subscription.status

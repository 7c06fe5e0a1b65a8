"""Which topics and polled resources the plugin reads, and how their documents are named.

Message types (they select the mapping table) are ``PLATFORM:TOPIC``, the topic written
as the platform writes its webhook topics:

- webhooks: the platform's own topic, ``shopify:orders/create``, ``woocommerce:order.created``;
- reconcile polls: the resource in the same grammar with the event ``poll``:
  ``shopify:orders/poll``, ``shopify:customers/poll``, ``shopify:refunds/poll``,
  ``woocommerce:order.poll``, ``woocommerce:customer.poll``;
- the refunds listed in a WooCommerce order (it has no refund webhook):
  ``woocommerce:order.refund``.

Every document is one shop object: an order, a customer or a refund. Its *kind* names
the key it sits under in the raw document's body (``{"shop": ..., "order": {...}}``) and
which of its fields is the shop's own modification time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PlatformName = Literal["shopify", "woocommerce"]
Kind = Literal["order", "customer", "refund"]
PLATFORMS: tuple[PlatformName, ...] = ("shopify", "woocommerce")

WEBHOOK_TOPICS: dict[str, dict[str, Kind]] = {
    "shopify": {
        "orders/create": "order", "orders/updated": "order", "orders/paid": "order",
        "orders/cancelled": "order", "orders/fulfilled": "order", "refunds/create": "refund",
        "customers/create": "customer", "customers/update": "customer",
    },
    "woocommerce": {
        "order.created": "order", "order.updated": "order", "order.deleted": "order",
        "customer.created": "customer", "customer.updated": "customer",
    },
}
"""The webhook topics the hub takes, per platform, and the kind of object each one carries."""

POLL_RESOURCES: dict[str, dict[str, Kind]] = {
    "shopify": {"orders": "order", "customers": "customer", "refunds": "refund"},
    "woocommerce": {"orders": "order", "customers": "customer"},
}
"""The REST collections a reconcile poll reads, per platform, and the kind of object in each.
WooCommerce's refunds name neither currency nor customer; they come with their orders."""

MODIFIED_FIELDS: dict[tuple[str, Kind], str] = {
    ("shopify", "order"): "updated_at",
    ("shopify", "customer"): "updated_at",
    ("shopify", "refund"): "created_at",
    ("woocommerce", "order"): "date_modified_gmt",
    ("woocommerce", "customer"): "date_modified_gmt",
    ("woocommerce", "refund"): "date_created_gmt",
}
"""The object's own modification time: what orders its versions (a refund never changes)."""

DELETED_TOPICS = frozenset({("woocommerce", "order.deleted")})
"""Topics whose body is only the id of the object (WooCommerce sends ``{"id": N}``)."""

WOOCOMMERCE_REFUND = "order.refund"
"""The topic of the refunds a WooCommerce order carries (``refunds: [{id, reason, total}]``).

WooCommerce has no refund webhook: a refund changes its order, and every order payload
lists the order's refunds. Each one becomes a document of its own, read together with
its order (currency, customer), as ``woocommerce:order.refund``."""


@dataclass(frozen=True)
class Topic:
    """A topic the hub reads: its platform, its name, the kind of object it carries."""

    platform: PlatformName
    name: str
    kind: Kind

    @property
    def message_type(self) -> str:
        """``PLATFORM:TOPIC``, e.g. ``shopify:orders/create``."""
        return f"{self.platform}:{self.name}"

    @property
    def modified_field(self) -> str | None:
        """The body field holding the object's modification time (None for a deletion and
        for the refunds of a WooCommerce order, which never change)."""
        if (self.platform, self.name) in DELETED_TOPICS or self.name == WOOCOMMERCE_REFUND:
            return None
        return MODIFIED_FIELDS[(self.platform, self.kind)]


def webhook_topic(platform: PlatformName, name: str) -> Topic | None:
    """The webhook topic ``name`` of ``platform``, or None when the hub does not read it."""
    kind = WEBHOOK_TOPICS[platform].get(name)
    return Topic(platform, name, kind) if kind is not None else None


def poll_topic(platform: PlatformName, resource: str) -> Topic | None:
    """The pseudo-topic of a polled ``resource`` (orders, customers, refunds), or None."""
    kind = POLL_RESOURCES[platform].get(resource)
    if kind is None:
        return None
    name = f"{resource}/poll" if platform == "shopify" else f"{kind}.poll"
    return Topic(platform, name, kind)


WOOCOMMERCE_REFUND_TOPIC = Topic("woocommerce", WOOCOMMERCE_REFUND, "refund")
SHOPIFY_POLLED_REFUND_TOPIC = Topic("shopify", "refunds/poll", "refund")
"""The topic of the refunds a polled Shopify order lists (as ``poll_topic`` names them)."""


def message_types() -> tuple[str, ...]:
    """Every message type the codec produces, for ``hub plugins``."""
    found = [webhook_topic(p, name) for p in PLATFORMS for name in WEBHOOK_TOPICS[p]]
    found += [poll_topic(p, resource) for p in PLATFORMS for resource in POLL_RESOURCES[p]]
    found.append(WOOCOMMERCE_REFUND_TOPIC)
    return (*(t.message_type for t in found if t is not None), *(f"{p}:guest" for p in PLATFORMS))

"""Envelopes: what the hub archives of a webhook or a poll, so it can be parsed again later.

A webhook's topic and delivery ids travel in HTTP headers, and the archive keeps bytes,
so the route wraps the raw body with what the headers said into one JSON object::

    {"envelope": "crm-hub/shop-webhook/1", "platform": "shopify", "shop": "eu",
     "topic": "orders/create",
     "delivery": {"event_id": ..., "webhook_id": ..., "delivery_id": ..., "triggered_at": ...,
                  "resource_id": ..., "modified": ...},
     "body": "<the raw body text as received>"}

and a reconcile poll keeps each response page as
``{"envelope": "crm-hub/shop-poll/1", "platform", "shop", "resource", "body"}`` with
``resource`` one of orders, customers, refunds (Shopify) or orders, customers (WooCommerce).

Building never fails on what the shop sent: a body that is not JSON, not UTF-8 or
lacks its topic header is archived all the same and refused, with its reason, when the
codec parses it. The body is kept losslessly (bytes that are not UTF-8 survive as
escaped surrogates, which the codec then refuses). ``resource_id`` and ``modified`` are
read from the body for people reading the archive; the codec reads the object itself.
The envelope is written with its marker first, so ``accepts`` sees it in the first bytes.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from plugins.ecommerce.codecs.headers import HeaderSource, WebhookHeaders
from plugins.ecommerce.codecs.topics import MODIFIED_FIELDS, PLATFORMS, POLL_RESOURCES, WEBHOOK_TOPICS, PlatformName
from plugins.ecommerce.settings import SHOP_NAME

WEBHOOK_ENVELOPE = "crm-hub/shop-webhook/1"
POLL_ENVELOPE = "crm-hub/shop-poll/1"
DELIVERY_FIELDS = ("event_id", "webhook_id", "delivery_id", "triggered_at", "resource_id", "modified")

_DELIVERY_HEADERS: dict[str, dict[str, str]] = {
    "shopify": {"event_id": "X-Shopify-Event-Id", "webhook_id": "X-Shopify-Webhook-Id",
                "triggered_at": "X-Shopify-Triggered-At"},
    "woocommerce": {"webhook_id": "X-WC-Webhook-ID", "delivery_id": "X-WC-Webhook-Delivery-ID"},
}


def webhook_envelope(platform: PlatformName, shop: str, headers: HeaderSource, raw_body: bytes) -> bytes:
    """The envelope the webhook route archives for one delivery: headers + raw body.

    ``ValueError`` only for the caller's mistakes (an unknown platform or a shop name
    that is not one); whatever the shop sent is kept as it came.
    """
    _check(platform, shop)
    read = WebhookHeaders(headers)
    delivery: dict[str, Any] = {name: read.get(header) for name, header in _DELIVERY_HEADERS[platform].items()}
    obj = _peek(raw_body)
    topic = _topic(platform, read)
    kind = WEBHOOK_TOPICS[platform].get(topic or "")
    delivery["resource_id"] = _scalar(obj.get("id"))
    delivery["modified"] = _scalar(obj.get(MODIFIED_FIELDS[(platform, kind)])) if kind else None
    envelope = {"envelope": WEBHOOK_ENVELOPE, "platform": platform, "shop": shop, "topic": topic,
                "delivery": {name: delivery.get(name) for name in DELIVERY_FIELDS}, "body": _text(raw_body)}
    return _dump(envelope)


def poll_envelope(platform: PlatformName, shop: str, resource: str, raw_body: bytes) -> bytes:
    """The envelope a reconcile poll archives for one response page of ``resource``."""
    _check(platform, shop)
    if resource not in POLL_RESOURCES[platform]:
        raise ValueError(f"unknown {platform} resource {resource!r}; polls read {', '.join(POLL_RESOURCES[platform])}")
    return _dump({"envelope": POLL_ENVELOPE, "platform": platform, "shop": shop, "resource": resource,
                  "body": _text(raw_body)})


def _check(platform: str, shop: str) -> None:
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}")
    if not SHOP_NAME.match(shop):
        raise ValueError(f"{shop!r} is not a shop name (a-z, 0-9, _ and -)")


def _topic(platform: str, read: WebhookHeaders) -> str | None:
    if platform == "shopify":
        return read.get("X-Shopify-Topic")
    topic = read.get("X-WC-Webhook-Topic")
    if topic is None:
        resource, event = read.get("X-WC-Webhook-Resource"), read.get("X-WC-Webhook-Event")
        topic = f"{resource}.{event}" if resource and event else None
    return topic


def _peek(raw_body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or {} when it is none: only to label the envelope."""
    try:
        value = orjson.loads(raw_body)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value)


def _text(raw_body: bytes) -> str:
    return raw_body.decode("utf-8", "surrogateescape")


def _dump(envelope: dict[str, Any]) -> bytes:
    # ensure_ascii: escaped surrogates (bytes that were not UTF-8) stay representable.
    return json.dumps(envelope, ensure_ascii=True, separators=(",", ":")).encode("ascii")

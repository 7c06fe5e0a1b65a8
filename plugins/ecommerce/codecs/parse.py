"""Parsing archived envelopes into raw documents, one per shop object.

Each document's body is ``{"shop": NAME, KIND: OBJECT}`` (KIND: order, customer or
refund), the object exactly as the shop sent it with its numbers exact. The shop's name
sits beside the object because a shop's ids are only unique within the shop: the
mapping tables prefix every id with it (``eu:450789469``) before they look it up.

``control`` holds what the envelope said (platform, shop, topic, the delivery's ids)
and ``modified_at``, the object's own modification time in UTC, by which an older
version arriving late is told from a newer one. ``document_id`` is the object's id
prefixed with the shop's name (``eu:450789469``), so every error about it names both.
``dedupe_key`` names the shop and the delivery:

- Shopify webhook: ``shopify:SHOP:TOPIC:event:X-Shopify-Event-Id`` (else ``...:webhook:``
  and X-Shopify-Webhook-Id); the same event re-sent has the same key;
- WooCommerce webhook: ``woocommerce:SHOP:TOPIC:delivery:DELIVERY-ID:OBJECT-ID:MODIFIED``;
- polled object: ``PLATFORM:SHOP:poll:RESOURCE:OBJECT-ID:MODIFIED``;
- a refund a WooCommerce order lists: its order's key and ``:refund:REFUND-ID``.

A WooCommerce order's refunds follow it as documents of their own, with the order
beside them in the body (``{"shop", "order", "refund"}``) and the order's payload; see
``topics.WOOCOMMERCE_REFUND``.

Anything malformed is a ``DocumentError`` naming shop, topic, object id when known, and
the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hub.api import DocumentError, RawDocument
from plugins.ecommerce.codecs import jsontext
from plugins.ecommerce.codecs.amounts import AmountError, price_lines
from plugins.ecommerce.codecs.envelope import DELIVERY_FIELDS, POLL_ENVELOPE, WEBHOOK_ENVELOPE, poll_envelope
from plugins.ecommerce.codecs.guests import guest_of
from plugins.ecommerce.codecs.positions import number_lines, number_refund_lines
from plugins.ecommerce.codecs.topics import (
    DELETED_TOPICS,
    PLATFORMS,
    SHOPIFY_POLLED_REFUND_TOPIC,
    WOOCOMMERCE_REFUND_TOPIC,
    Topic,
    poll_topic,
    webhook_topic,
)
from plugins.ecommerce.settings import DEFAULT_SKU_SYSTEM, PLUGIN, SHOP_NAME

_KEYS = {
    WEBHOOK_ENVELOPE: ("envelope", "platform", "shop", "topic", "delivery", "body"),
    POLL_ENVELOPE: ("envelope", "platform", "shop", "resource", "body"),
}


class _Where:
    """What is known so far of the document being read, to name it in errors."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.shop: str | None = None
        self.message_type: str | None = None
        self.object_id: str | None = None

    def error(self, field: str, reason: str) -> DocumentError:
        parts = [f"shop {self.shop}" if self.shop else self.source, self.message_type, self.object_id]
        return DocumentError(" ".join(p for p in parts if p), field, reason)


def parse_envelope(payload: bytes, source_name: str = "",
                   sku_systems: Mapping[str, str] | None = None) -> list[RawDocument]:
    """The documents of one archived envelope: a webhook's object, or a poll page's
    objects, each followed by the refunds it lists when it is a WooCommerce order and
    preceded by its guest document when it is a guest's order (``guests``).

    ``sku_systems`` names, per shop, the system whose product numbers its SKUs are; it
    travels in each document's control field ``sku_system``, where the order tables'
    product lookup reads it. A shop not named there (not configured, or a dry run) has
    the setting's default.

    The whole envelope is read before anything is returned, so a malformed part refuses
    all of it.
    """
    where = _Where(source_name or "envelope")
    envelope = _envelope(payload, where)
    if envelope["envelope"] == WEBHOOK_ENVELOPE:
        documents = _webhook_documents(envelope, payload, where)
    else:
        documents = _poll_documents(envelope, where)
    sku_system = (sku_systems or {}).get(envelope["shop"], DEFAULT_SKU_SYSTEM)
    for document in documents:
        document.control["sku_system"] = sku_system
    return documents


def _poll_documents(envelope: dict[str, Any], where: _Where) -> list[RawDocument]:
    platform, shop, resource = envelope["platform"], envelope["shop"], envelope["resource"]
    topic = poll_topic(platform, resource)
    if topic is None:
        raise where.error("resource", f"unknown {platform} resource {resource!r}")
    where.message_type = topic.message_type
    try:
        items = jsontext.page_items(_body_text(envelope, where), resource if platform == "shopify" else None)
    except ValueError as exc:
        raise where.error("body", str(exc)) from None
    documents = []
    for index, (obj, text) in enumerate(items):
        where.object_id = None
        document_id, modified = _identity(obj, topic, where, f"{resource}.{index}")
        body = f'{{"{resource}":[{text}]}}' if platform == "shopify" else f"[{text}]"
        control = {"platform": platform, "shop": shop, "topic": topic.name, "resource": resource}
        document = _document(topic, shop, obj, document_id, modified, control,
                             f"{platform}:{shop}:poll:{resource}:{document_id}:{modified}",
                             poll_envelope(platform, shop, resource, body.encode("utf-8")),
                             where, f"{resource}.{index}")
        documents += [*guest_of(document), document, *_refunds_of(document, where, f"{resource}.{index}")]
    return documents


def _webhook_documents(envelope: dict[str, Any], payload: bytes, where: _Where) -> list[RawDocument]:
    platform, shop, name = envelope["platform"], envelope["shop"], envelope["topic"]
    if not isinstance(name, str) or not name:
        raise where.error("topic", "the delivery named no topic (its topic header was missing)")
    topic = webhook_topic(platform, name)
    if topic is None:
        raise where.error("topic", f"unknown {platform} topic {name!r}")
    where.message_type = topic.message_type
    delivery = _delivery(envelope["delivery"], where)
    try:
        obj = jsontext.decode(_body_text(envelope, where))
    except ValueError as exc:
        raise where.error("body", str(exc)) from None
    document_id, modified = _identity(obj, topic, where, topic.kind)
    if platform == "shopify":
        if delivery.get("event_id"):
            dedupe = f"shopify:{shop}:{name}:event:{delivery['event_id']}"
        elif delivery.get("webhook_id"):
            dedupe = f"shopify:{shop}:{name}:webhook:{delivery['webhook_id']}"
        else:
            raise where.error("delivery.event_id", "neither X-Shopify-Event-Id nor X-Shopify-Webhook-Id was sent")
    else:
        if not delivery.get("delivery_id"):
            raise where.error("delivery.delivery_id", "X-WC-Webhook-Delivery-ID was not sent")
        dedupe = f"woocommerce:{shop}:{name}:delivery:{delivery['delivery_id']}:{document_id}:{modified or ''}"
    control = {"platform": platform, "shop": shop, "topic": name,
               **{key: value for key, value in delivery.items() if key not in ("resource_id", "modified")}}
    document = _document(topic, shop, obj, document_id, modified, control, dedupe, payload, where, topic.kind)
    if (platform, name) in DELETED_TOPICS:
        return [document]
    return [*guest_of(document), document, *_refunds_of(document, where, topic.kind)]


def _refunds_of(order: RawDocument, where: _Where, prefix: str) -> list[RawDocument]:
    """The refunds an order lists, each a document of its own: a WooCommerce order's
    (WooCommerce has no refund webhook), read with its order; and a polled Shopify
    order's, which are Shopify refund objects as the ``refunds/create`` webhook sends
    them: a reconcile poll finds in its orders the refunds whose webhook was lost."""
    platform = order.message_type.split(":")[0]
    polled_shopify = platform == "shopify" and order.control.get("resource") == "orders"
    if (platform != "woocommerce" and not polled_shopify) or "order" not in order.body:
        return []
    refunds = order.body["order"].get("refunds")
    if refunds is None:
        return []
    if not isinstance(refunds, list):
        raise where.error(f"{prefix}.refunds", "must be a list")
    documents = []
    topic = SHOPIFY_POLLED_REFUND_TOPIC if polled_shopify else WOOCOMMERCE_REFUND_TOPIC
    for index, refund in enumerate(refunds):
        refund_id, created = _identity(refund, topic, where, f"{prefix}.refunds.{index}")
        document_id = f"{order.body['shop']}:{refund_id}"
        if polled_shopify:
            control = {**order.control, "topic": topic.name, "resource": "refunds", "modified_at": str(created)}
            documents.append(RawDocument(
                system=PLUGIN, message_type=topic.message_type, document_id=document_id, format="json",
                body={"shop": order.body["shop"], "refund": number_refund_lines(refund)}, control=control,
                source=order.source,
                payload=order.payload, dedupe_key=f"shopify:{order.body['shop']}:poll:refunds:{refund_id}:{created}"))
            continue
        control = {**order.control, "topic": topic.name, "order_id": order.document_id}
        control.pop("modified_at", None)
        documents.append(RawDocument(
            system=PLUGIN, message_type=topic.message_type, document_id=document_id, format="json",
            body={**order.body, "refund": refund}, control=control, source=order.source, payload=order.payload,
            dedupe_key=f"{order.dedupe_key}:refund:{refund_id}"))
    return documents


def _document(topic: Topic, shop: str, obj: dict[str, Any], document_id: str, modified: str | None,
              control: dict[str, str], dedupe_key: str, payload: bytes, where: _Where, prefix: str) -> RawDocument:
    if modified is not None:
        control["modified_at"] = modified
    if topic.platform == "shopify" and topic.kind == "order":
        try:
            obj = price_lines(number_lines(obj))
        except AmountError as exc:
            raise where.error(f"{prefix}.{exc.field}", exc.reason) from None
    if topic.platform == "shopify" and topic.kind == "refund":
        obj = number_refund_lines(obj)
    if topic.platform == "woocommerce" and topic.kind == "order" and obj.get("customer_id") in (0, "0"):
        obj = {key: value for key, value in obj.items() if key != "customer_id"}  # 0: a guest, no customer
    return RawDocument(system=PLUGIN, message_type=topic.message_type, document_id=f"{shop}:{document_id}",
                       format="json", body={"shop": shop, topic.kind: obj}, control=control, source=shop,
                       payload=payload, dedupe_key=dedupe_key)


def _envelope(payload: bytes, where: _Where) -> dict[str, Any]:
    try:
        envelope = jsontext.decode(payload.decode("utf-8"))
    except UnicodeDecodeError:
        raise where.error("(envelope)", "not UTF-8 text") from None
    except ValueError as exc:
        raise where.error("(envelope)", str(exc)) from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("envelope"), str) \
            or envelope["envelope"] not in _KEYS:
        raise where.error("envelope", f"not a shop envelope ({WEBHOOK_ENVELOPE} or {POLL_ENVELOPE})")
    shop = envelope.get("shop")
    if not isinstance(shop, str) or not SHOP_NAME.match(shop):
        raise where.error("shop", f"{shop!r} is not a shop name (a-z, 0-9, _ and -)")
    where.shop = shop
    expected = _KEYS[envelope["envelope"]]
    missing = [key for key in expected if key not in envelope]
    if missing:
        raise where.error(missing[0], "missing from the envelope")
    unknown = sorted(set(envelope) - set(expected))
    if unknown:
        raise where.error(unknown[0], "not a field of the envelope")
    if envelope["platform"] not in PLATFORMS:
        raise where.error("platform", f"unknown platform {envelope['platform']!r}")
    if envelope["envelope"] == POLL_ENVELOPE and not isinstance(envelope["resource"], str):
        raise where.error("resource", "must be text (orders, customers, refunds)")
    return envelope


def _delivery(delivery: Any, where: _Where) -> dict[str, str]:
    if not isinstance(delivery, dict):
        raise where.error("delivery", "must be an object of the delivery's ids")
    unknown = sorted(set(delivery) - set(DELIVERY_FIELDS))
    if unknown:
        raise where.error(f"delivery.{unknown[0]}", "unknown delivery field")
    found = {}
    for key, value in delivery.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise where.error(f"delivery.{key}", "must be text")
        found[key] = str(value)
    return found


def _body_text(envelope: dict[str, Any], where: _Where) -> str:
    body = envelope["body"]
    if not isinstance(body, str):
        raise where.error("body", "must be the raw body as text")
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:
        raise where.error("body", "the shop sent bytes that are not UTF-8") from None
    return body


def _identity(obj: Any, topic: Topic, where: _Where, prefix: str) -> tuple[str, str | None]:
    """The object's id and its modification time (UTC, ISO 8601; None for a deletion)."""
    if not isinstance(obj, dict):
        raise where.error(prefix, f"expected a JSON object (a {topic.kind}), got {type(obj).__name__}")
    object_id = obj.get("id")
    if isinstance(object_id, bool) or not isinstance(object_id, (int, str)) or object_id == "":
        reason = "missing" if object_id is None else f"must be a number or text, got {object_id!r}"
        raise where.error(f"{prefix}.id", reason)
    where.object_id = str(object_id)
    field = topic.modified_field
    if field is None:
        return str(object_id), None
    try:
        modified = _instant(obj.get(field), topic.platform)
    except ValueError as exc:
        raise where.error(f"{prefix}.{field}", str(exc)) from None
    return str(object_id), modified


def _instant(value: Any, platform: str) -> str:
    if value is None:
        raise ValueError("missing")
    if not isinstance(value, str):
        raise ValueError(f"must be an ISO 8601 date-time, got {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        if platform == "shopify":
            raise ValueError(f"{value!r} has no UTC offset")
        moment = moment.replace(tzinfo=UTC)  # WooCommerce's *_gmt fields are UTC without saying so
    return moment.astimezone(UTC).isoformat()

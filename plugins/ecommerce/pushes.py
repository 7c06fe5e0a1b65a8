"""What goes back to the shops: canonical changes turned into messages for the ``shops`` transport.

A subscription to sales orders, stock levels and products (changes from any system
but the shops themselves) decides, inside the transaction that records the change as
applied, what each shop must be told, and queues it in the outbox of that transaction:

- a shop's order (the key map knows it as ``SHOP:ID``), to that shop: its state as
  the ERP moved it (confirmed: in process or completed; cancelled; delivered; paid, when
  the ERP reports its invoices paid) and its shipments with carrier and tracking number;
- a stock level, to every shop: the available quantity of the product's SKU (its
  number in the shop's ``sku_system``) at the shop's location for that stock location;
- a product's list price per one unit in the shop's currency, to every shop.

Each message is the state the shop should show, not a command: the transport reads
the shop first and writes only what is missing, so a retried or repeated message
changes nothing twice. An order's state is queued only when it differs from the last
one queued (a digest per order in plugin state): an invoice changes the order, not
what the shop shows, and every call to a shop counts against its rate limit. Queues
are per shop and object (``ecommerce:SHOP:TYPE:HUB_ID``): one shop that is down blocks
only its own objects.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hub.api import CanonicalChange, NewMessage, PluginTransaction, Product, SalesOrder, StockLevel, SubscriptionSpec
from plugins.ecommerce.settings import PLUGIN, EcommerceSettings, ShopSettings

TRANSPORT = "shops"
DOCUMENT_TYPES = ("sales_order", "stock_level", "product")


def shop_queue(shop: str, doc_type: str, hub_id: str) -> str:
    """The queue of one object's pushes to one shop."""
    return f"{PLUGIN}:{shop}:{doc_type}:{hub_id}"


def _message(shop: str, change: CanonicalChange, kind: str, payload: dict[str, Any]) -> NewMessage:
    return NewMessage(system=PLUGIN, queue=shop_queue(shop, change.doc_type, change.hub_id), kind=kind,
                      doc_type=change.doc_type, hub_id=change.hub_id, version=change.version,
                      payload={"shop": shop, **payload}, transport=TRANSPORT)


def order_messages(transaction: PluginTransaction, settings: EcommerceSettings, order: SalesOrder,
                   change: CanonicalChange) -> list[NewMessage]:
    """The order's state for the shop it came from, once the ERP has said something of it."""
    shop_id = transaction.external_id("sales_order", change.hub_id)
    if shop_id is None or ":" not in shop_id:
        return []
    shop, order_id = shop_id.split(":", 1)
    if shop not in settings.shops or order.order_type != "standard":
        return []
    cancelled = order.status == "cancelled"
    confirmed = order.confirmed_at is not None or order.status in ("in_process", "completed")
    if not confirmed and not cancelled and not order.shipments:
        return []
    shipments = [{"shipment_id": s.shipment_id, "carrier": s.carrier, "tracking_number": s.tracking_number,
                  "tracking_url": s.tracking_url,
                  "items": [{"item_number": i.item_number, "quantity": str(i.quantity.value)} for i in s.items]}
                 for s in order.shipments if s.tracking_number]
    payload = {"order_id": order_id, "confirmed": confirmed, "cancelled": cancelled,
               "delivered": order.delivery_status == "delivered", "paid": order.payment_status == "paid",
               "shipments": shipments}
    if not _changed(transaction, f"shown:{change.hub_id}", payload):
        return []
    return [_message(shop, change, "order", payload)]


def _changed(transaction: PluginTransaction, name: str, payload: dict[str, Any]) -> bool:
    """Whether ``payload`` differs from what was last queued under ``name`` (kept as a
    digest in plugin state, in this transaction): an invoice or a payment changes the
    order, not what its shop shows, and a shop's calls are metered."""
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]
    if transaction.state(name) == digest:
        return False
    transaction.set_state({name: digest})
    return True


def _sku(transaction: PluginTransaction, shop: ShopSettings, product_hub_id: str | None,
         fallback: str | None) -> str | None:
    if product_hub_id is not None:
        found = transaction.external_id("product", product_hub_id, shop.sku_system)
        if found is not None:
            return found
    return fallback


def stock_messages(transaction: PluginTransaction, settings: EcommerceSettings, level: StockLevel,
                   change: CanonicalChange) -> list[NewMessage]:
    """The available quantity for every shop selling from the level's location."""
    messages = []
    where = f"{level.location}/{level.storage_location}" if level.storage_location else level.location
    for name, shop in settings.shops.items():
        if shop.stock_locations:
            location = shop.stock_locations.get(where) or shop.stock_locations.get(level.location)
            if location is None:
                continue
        else:
            location = None
        sku = _sku(transaction, shop, level.product_hub_id, level.product_external_id)
        if sku is not None:
            messages.append(_message(name, change, "stock", {
                "sku": sku, "location": location, "available": int(level.available.value)}))
    return messages


def price_messages(transaction: PluginTransaction, settings: EcommerceSettings, product: Product,
                   change: CanonicalChange) -> list[NewMessage]:
    """The product's list price in each shop's currency."""
    messages = []
    for name, shop in settings.shops.items():
        price = next((p.price for p in product.list_prices
                      if p.price.currency == shop.currency and (p.per is None or p.per.value == 1)), None)
        sku = _sku(transaction, shop, product.hub_id, None)
        if price is not None and sku is not None:
            messages.append(_message(name, change, "price", {"sku": sku, "price": str(price.amount)}))
    return messages


def subscription(settings: EcommerceSettings) -> SubscriptionSpec:
    """The ``shop_pushes`` subscription for the configured shops."""

    def apply(transaction: PluginTransaction, change: CanonicalChange) -> str | None:
        document = change.document()
        if isinstance(document, SalesOrder):
            messages = order_messages(transaction, settings, document, change)
        elif isinstance(document, StockLevel):
            messages = stock_messages(transaction, settings, document, change)
        elif isinstance(document, Product):
            messages = price_messages(transaction, settings, document, change)
        else:
            messages = []
        if not messages:
            return None
        transaction.enqueue(messages)
        return "to shop(s) " + ", ".join(sorted({m.payload["shop"] for m in messages}))

    return SubscriptionSpec("shop_pushes", DOCUMENT_TYPES, apply,
                            description="Order states, stock levels and prices back to the shops")

"""Writing to a WooCommerce shop through its REST API v3: order status, tracking, stock, prices.

Like ``shopify_out``: the payload is the state the shop should show; the shop is read
first and only the difference is written.

- order: cancelled (status ``cancelled``); each shipment not shown yet (by tracking
  number) through the Shipment Tracking extension
  (``POST /wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings``), and the
  order ``completed`` once the ERP has delivered it all and it is paid; paid (the ERP
  cleared its invoices) while the shop has no payment date: ``set_paid``, which
  WooCommerce completes as a payment (date paid, a ``pending`` or ``on-hold`` order
  ``processing``). Neither the ERP's confirmation nor its delivery alone moves an unpaid
  order: in WooCommerce ``processing`` and ``completed`` mean paid, and an order awaiting
  a bank transfer is not;
- stock: ``PUT products/{id}`` with ``manage_stock`` and ``stock_quantity``;
- price: ``PUT products/{id}`` with ``regular_price`` when it differs.

WooCommerce keeps one stock quantity per product, so every location's level lands there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plugins.ecommerce.catalogue import Catalogue
from plugins.ecommerce.client import ShopClient

TRACKING_KEY = "_wc_shipment_tracking_items"
FINAL = ("completed", "cancelled", "refunded", "failed")


def push_order(client: ShopClient, payload: dict[str, Any]) -> str:
    """Bring the shop's order to the payload's state; says what was written."""
    order_id = payload["order_id"]
    order = client.get(f"/orders/{order_id}").json()
    status = order.get("status")
    if payload["cancelled"]:
        if status == "cancelled":
            return "already cancelled"
        client.send("PUT", f"/orders/{order_id}", {"status": "cancelled"})
        return "cancelled"
    done = []
    shown = {item.get("tracking_number") for meta in order.get("meta_data") or [] if meta.get("key") == TRACKING_KEY
             for item in meta.get("value") or []}
    for shipment in payload["shipments"]:
        if shipment["tracking_number"] not in shown:
            client.site_call("POST", f"/wp-json/wc-shipment-tracking/v3/orders/{order_id}/shipment-trackings", {
                "custom_tracking_provider": shipment["carrier"] or "", "tracking_number": shipment["tracking_number"],
                "custom_tracking_link": shipment["tracking_url"] or ""})
            done.append(f"tracking {shipment['tracking_number']} ({shipment['carrier'] or 'no carrier'})")
    paid = order.get("date_paid") is not None
    if payload.get("paid") and not paid and status not in FINAL:
        client.send("PUT", f"/orders/{order_id}", {"set_paid": True})
        done.append("paid")
        paid = True
    if payload["delivered"] and paid and status not in FINAL:
        client.send("PUT", f"/orders/{order_id}", {"status": "completed"})
        done.append("completed")
    return "; ".join(done) or "the shop shows it already"


def push_stock(client: ShopClient, catalogue: Catalogue, payload: dict[str, Any]) -> str:
    """Set the SKU's product stock."""
    product = catalogue.variant(payload["sku"])
    if product is None:
        return f"SKU {payload['sku']} is not sold in shop {client.name}"
    client.send("PUT", f"/products/{product['id']}", {"manage_stock": True, "stock_quantity": payload["available"]})
    return f"SKU {payload['sku']}: {payload['available']} in stock"


def push_price(client: ShopClient, catalogue: Catalogue, payload: dict[str, Any]) -> str:
    """Set the SKU's regular price when it differs."""
    product = catalogue.variant(payload["sku"])
    if product is None:
        return f"SKU {payload['sku']} is not sold in shop {client.name}"
    current = client.get(f"/products/{product['id']}").json()
    if current.get("regular_price") and Decimal(str(current["regular_price"])) == Decimal(payload["price"]):
        return f"SKU {payload['sku']} costs {payload['price']} already"
    client.send("PUT", f"/products/{product['id']}", {"regular_price": payload["price"]})
    return f"SKU {payload['sku']}: price {current.get('regular_price')} -> {payload['price']}"

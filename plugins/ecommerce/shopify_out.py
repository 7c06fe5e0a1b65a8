"""Writing to a Shopify shop through its Admin REST API: order state, fulfilments, stock, prices.

Each function takes the state the shop should show (a message's payload, see
``pushes``), reads what the shop shows now, and writes only the difference, so a
message delivered twice changes nothing twice:

- order: cancelled (``POST orders/{id}/cancel.json``); each shipment the order does not
  show yet (by tracking number) as a fulfilment of its fulfilment order's lines, with
  carrier, tracking number and URL (``POST fulfillments.json``); confirmed by the ERP
  as the order tag ``erp-confirmed`` (``PUT orders/{id}.json``); paid (the ERP cleared
  its invoices) while the shop still has something outstanding: a transaction for it
  (``POST orders/{id}/transactions.json``: a ``sale`` from an ``external`` source, or the
  ``capture`` of an authorization), which makes the order paid;
- stock: ``POST inventory_levels/set.json`` for the SKU's inventory item at the location;
- price: ``PUT variants/{id}.json`` when the variant's price differs.

Item numbers are the positions of the order's line items (the codec numbers them so),
so a shipment's items find their line items by position.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.api import PermanentError
from plugins.ecommerce.catalogue import Catalogue
from plugins.ecommerce.client import ShopClient

CONFIRMED_TAG = "erp-confirmed"
PAYABLE = ("pending", "authorized", "partially_paid")
"""Financial statuses of an order that still has something outstanding."""


def push_order(client: ShopClient, payload: dict[str, Any]) -> str:
    """Bring the shop's order to the payload's state; says what was written."""
    order_id = payload["order_id"]
    order = client.get(f"/orders/{order_id}.json").json()["order"]
    done = []
    if payload["cancelled"]:
        if order.get("cancelled_at") is None:
            client.send("POST", f"/orders/{order_id}/cancel.json", {"reason": "other"})
            done.append("cancelled")
        return "; ".join(done) or "already cancelled"
    shown = {f.get("tracking_number") for f in order.get("fulfillments") or []}
    for shipment in payload["shipments"]:
        if shipment["tracking_number"] not in shown:
            _fulfil(client, order, shipment)
            done.append(f"fulfilment {shipment['tracking_number']} ({shipment['carrier'] or 'no carrier'})")
    if payload.get("paid") and order.get("financial_status") in PAYABLE:
        done.append(_mark_paid(client, order))
    tags = [t.strip() for t in (order.get("tags") or "").split(",") if t.strip()]
    if payload["confirmed"] and CONFIRMED_TAG not in tags:
        client.send("PUT", f"/orders/{order_id}.json",
                    {"order": {"id": int(order_id), "tags": ", ".join([*tags, CONFIRMED_TAG])}})
        done.append("tagged confirmed")
    return "; ".join(done) or "the shop shows it already"


def _mark_paid(client: ShopClient, order: dict[str, Any]) -> str:
    """Record the payment of what the order has outstanding; says what was written."""
    order_id = order["id"]
    transaction: dict[str, Any] = {"kind": "sale", "source": "external", "amount": order["total_outstanding"],
                                   "currency": order["currency"]}
    if order["financial_status"] == "authorized":
        listed = client.get(f"/orders/{order_id}/transactions.json").json()["transactions"]
        parent = next((t for t in listed if t.get("kind") == "authorization" and t.get("status") == "success"), None)
        transaction = {**transaction, "kind": "capture", "parent_id": parent["id"] if parent else None}
    client.send("POST", f"/orders/{order_id}/transactions.json", {"transaction": transaction})
    return f"paid ({transaction['kind']} of {order['total_outstanding']} {order['currency']})"


def _fulfil(client: ShopClient, order: dict[str, Any], shipment: dict[str, Any]) -> None:
    order_id = order["id"]
    line_ids = {index: line["id"] for index, line in enumerate(order.get("line_items") or [], start=1)}
    groups = []
    for fulfilment_order in client.get(f"/orders/{order_id}/fulfillment_orders.json").json()["fulfillment_orders"]:
        lines = {line["line_item_id"]: line for line in fulfilment_order["line_items"]
                 if line["fulfillable_quantity"] > 0}
        if not lines:
            continue
        if not shipment["items"]:
            groups.append({"fulfillment_order_id": fulfilment_order["id"]})
            continue
        wanted = []
        for item in shipment["items"]:
            line = lines.get(line_ids.get(item["item_number"]))
            if line is not None:
                wanted.append({"id": line["id"], "quantity": min(int(Decimal(item["quantity"])),
                                                                 line["fulfillable_quantity"])})
        if wanted:
            groups.append({"fulfillment_order_id": fulfilment_order["id"], "fulfillment_order_line_items": wanted})
    if not groups:
        raise PermanentError(f"shop {client.name}: order {order_id} has nothing left to fulfil for shipment "
                             f"{shipment['tracking_number']} (items {shipment['items']})")
    tracking = {"number": shipment["tracking_number"], "company": shipment["carrier"], "url": shipment["tracking_url"]}
    client.send("POST", "/fulfillments.json", {"fulfillment": {
        "line_items_by_fulfillment_order": groups, "notify_customer": True,
        "tracking_info": {key: value for key, value in tracking.items() if value}}})


def push_stock(client: ShopClient, catalogue: Catalogue, payload: dict[str, Any]) -> str:
    """Set the SKU's available quantity at the shop's location (its first when none is named)."""
    variant = catalogue.variant(payload["sku"])
    if variant is None:
        return f"SKU {payload['sku']} is not sold in shop {client.name}"
    location_id = catalogue.location(payload["location"])
    client.send("POST", "/inventory_levels/set.json", {
        "location_id": location_id, "inventory_item_id": variant["inventory_item_id"],
        "available": payload["available"]})
    return f"SKU {payload['sku']}: {payload['available']} available at location {location_id}"


def push_price(client: ShopClient, catalogue: Catalogue, payload: dict[str, Any]) -> str:
    """Set the SKU's variant price when it differs."""
    variant = catalogue.variant(payload["sku"])
    if variant is None:
        return f"SKU {payload['sku']} is not sold in shop {client.name}"
    current = client.get(f"/variants/{variant['id']}.json").json()["variant"]
    if Decimal(str(current["price"])) == Decimal(payload["price"]):
        return f"SKU {payload['sku']} costs {payload['price']} already"
    client.send("PUT", f"/variants/{variant['id']}.json", {"variant": {"id": variant["id"], "price": payload["price"]}})
    return f"SKU {payload['sku']}: price {current['price']} -> {payload['price']}"

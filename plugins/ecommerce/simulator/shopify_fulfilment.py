"""What the hub writes to a Shopify shop: fulfilments with tracking, stock levels,
prices, order tags and cancellations, each one recorded.

Fulfilments go through fulfillment orders, as Shopify's Admin API has required since
2023: one per order, at its location, whose line items say how much is still to ship;
``POST fulfillments.json`` names them with the tracking info. A complete fulfilment
announces orders/fulfilled, and every one orders/updated, as Shopify does.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from plugins.ecommerce.simulator import shopify_json as sj
from plugins.ecommerce.simulator.state import ShopBase, SimError, quantity


class FulfilmentDesk(ShopBase):
    """The parts of a Shopify shop the hub writes to."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fulfillment_orders: dict[int, dict[str, Any]] = {}

    def touch(self, order: dict[str, Any]) -> None:
        """The order changed: its updated_at moves on."""
        order["updated_at"] = sj.when(self.stamp("order", order["id"]))

    def open_fulfillment_order(self, order: dict[str, Any]) -> None:
        """The fulfillment order of a new order, at the shop's first location."""
        fo_id = self.ids.next("fulfillment_order")
        self.fulfillment_orders[order["id"]] = {
            "id": fo_id, "order_id": order["id"], "assigned_location_id": next(iter(self.locations)),
            "request_status": "unsubmitted", "status": "open", "fulfill_at": order["created_at"],
            "supported_actions": ["create_fulfillment", "move"], "destination": order["shipping_address"],
            "line_items": [{"id": self.ids.next("line"), "fulfillment_order_id": fo_id, "line_item_id": li["id"],
                            "inventory_item_id": self.variant(li["sku"]).inventory_item_id,
                            "quantity": li["quantity"], "fulfillable_quantity": li["quantity"],
                            "variant_id": li["variant_id"]} for li in order["line_items"]]}

    def fulfillment_orders_of(self, order_id: int) -> list[dict[str, Any]]:
        """``GET orders/{id}/fulfillment_orders.json``."""
        self.order(order_id)
        return [self.fulfillment_orders[order_id]]

    def fulfil(self, body: Any) -> dict[str, Any]:
        """``POST fulfillments.json``: ship fulfillment order lines, with tracking."""
        request = body.get("fulfillment") if isinstance(body, dict) else None
        groups = request.get("line_items_by_fulfillment_order") if isinstance(request, dict) else None
        if not isinstance(request, dict) or not isinstance(groups, list) or not groups:
            raise SimError("fulfillment.line_items_by_fulfillment_order is required")
        tracking = request.get("tracking_info") or {}
        shipped: list[tuple[dict[str, Any], int]] = []
        order = None
        for group in groups:
            fo = next((f for f in self.fulfillment_orders.values()
                       if f["id"] == group.get("fulfillment_order_id")), None)
            if fo is None:
                raise SimError(f"no fulfillment order {group.get('fulfillment_order_id')!r}", 404)
            order = self.order(fo["order_id"])
            wanted = group.get("fulfillment_order_line_items") or [
                {"id": li["id"], "quantity": li["fulfillable_quantity"]} for li in fo["line_items"]
                if li["fulfillable_quantity"] > 0]
            for want in wanted:
                line = next((li for li in fo["line_items"] if li["id"] == want.get("id")), None)
                count = quantity(want.get("quantity"))
                if line is None or count > line["fulfillable_quantity"]:
                    raise SimError(f"fulfillment order line {want.get('id')!r} cannot ship {count}")
                shipped.append((line, count))
        assert order is not None
        if order["cancelled_at"] is not None:
            raise SimError(f"order {order['id']} is cancelled")
        fulfillment_id = self.ids.next("fulfillment")
        moment = sj.when(self.stamp("fulfillment", fulfillment_id))
        items = []
        for line, count in shipped:
            line["fulfillable_quantity"] -= count
            item = next(li for li in order["line_items"] if li["id"] == line["line_item_id"])
            item["fulfillable_quantity"] -= count
            item["fulfillment_status"] = "fulfilled" if item["fulfillable_quantity"] == 0 else "partial"
            items.append({**item, "quantity": count})
        number, company, url = tracking.get("number"), tracking.get("company"), tracking.get("url")
        fulfillment = {"id": fulfillment_id, "admin_graphql_api_id": sj.gid("Fulfillment", fulfillment_id),
                       "order_id": order["id"], "status": "success", "created_at": moment, "updated_at": moment,
                       "service": "manual", "shipment_status": None, "location_id": next(iter(self.locations)),
                       "name": f"{order['name']}.{len(order['fulfillments']) + 1}", "tracking_company": company,
                       "tracking_number": number, "tracking_numbers": [number] if number else [],
                       "tracking_url": url, "tracking_urls": [url] if url else [], "line_items": items}
        order["fulfillments"].append(fulfillment)
        done = all(li["fulfillable_quantity"] == 0 for li in order["line_items"])
        order["fulfillment_status"] = "fulfilled" if done else "partial"
        for fo in self.fulfillment_orders.values():
            if fo["order_id"] == order["id"]:
                fo["status"] = "closed" if done else "in_progress"
        self.touch(order)
        self.record("fulfillment", order_id=order["id"], fulfillment_id=fulfillment_id, carrier=company,
                    tracking_number=number, tracking_url=url, notify_customer=bool(request.get("notify_customer")),
                    lines=[{"sku": item["sku"], "quantity": item["quantity"]} for item in items])
        if done:
            self.emit("orders/fulfilled", order)
        self.emit("orders/updated", order)
        return fulfillment

    def set_inventory(self, body: Any) -> dict[str, Any]:
        """``POST inventory_levels/set.json``: the available quantity of an item at a location."""
        if not isinstance(body, dict):
            raise SimError("expected a JSON object")
        location_id, item_id, available = body.get("location_id"), body.get("inventory_item_id"), body.get("available")
        if location_id not in self.locations:
            raise SimError(f"no location {location_id!r}", 404)
        variant = next((v for v in self.catalogue.values() if v.inventory_item_id == item_id), None)
        if variant is None:
            raise SimError(f"no inventory item {item_id!r}", 404)
        if isinstance(available, bool) or not isinstance(available, int):
            raise SimError("available must be a whole number")
        variant.stock[location_id] = available
        moment = sj.when(self.stamp("inventory_item", variant.inventory_item_id))
        self.record("inventory", sku=variant.sku, inventory_item_id=item_id, location_id=location_id,
                    location=self.locations[location_id], available=available)
        return {"inventory_item_id": item_id, "location_id": location_id, "available": available,
                "updated_at": moment, "admin_graphql_api_id": sj.gid("InventoryLevel", variant.inventory_item_id)}

    def update_variant(self, variant_id: int, body: Any) -> dict[str, Any]:
        """``PUT variants/{id}.json``: the hub sets a variant's price."""
        variant = self.by_variant_id(variant_id)
        change = body.get("variant") if isinstance(body, dict) else None
        if not isinstance(change, dict) or "price" not in change:
            raise SimError("variant.price is required")
        try:
            price = Decimal(str(change["price"]))
        except InvalidOperation:
            raise SimError(f"price {change['price']!r} is not a number") from None
        if not price.is_finite() or price < 0:
            raise SimError(f"price {change['price']!r} is not a price")
        variant.price = price
        self.record("price", sku=variant.sku, variant_id=variant_id, price=str(change["price"]))
        return sj.variant(variant, self.stamp("variant", variant_id))

    def update_order(self, order_id: int, body: Any) -> dict[str, Any]:
        """``PUT orders/{id}.json``: the hub notes the order's state (tags, note, attributes)."""
        order = self.order(order_id)
        change = body.get("order") if isinstance(body, dict) else None
        allowed = {"tags", "note", "note_attributes"}
        if not isinstance(change, dict) or not set(change) - {"id"} or set(change) - allowed - {"id"}:
            raise SimError(f"order may change only {', '.join(sorted(allowed))}")
        fields = {key: value for key, value in change.items() if key != "id"}
        order.update(fields)
        self.touch(order)
        self.record("order_update", order_id=order_id, **fields)
        self.emit("orders/updated", order)
        return order

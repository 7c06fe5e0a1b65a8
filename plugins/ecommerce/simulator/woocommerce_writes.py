"""What the hub writes to a WooCommerce shop: order statuses, shipment tracking, product
stock and prices, each one recorded.

WooCommerce keeps no fulfilments of its own; the Shipment Tracking extension stores
them in the order's meta data (``_wc_shipment_tracking_items``) and adds
``POST /wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings``. Every change
to an order announces order.updated, as WooCommerce does.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from plugins.ecommerce.simulator import woocommerce_json as wj
from plugins.ecommerce.simulator.state import ShopBase, SimError, Variant

ORDER_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed")
TRACKING_KEY = "_wc_shipment_tracking_items"


class WooWrites(ShopBase):
    """The parts of a WooCommerce shop the hub writes to."""

    @property
    def site(self) -> str:
        """The shop's site URL as it appears in links and the webhook source header."""
        return f"https://{self.name}.shop.example"

    def touch(self, order: dict[str, Any]) -> None:
        """The order changed: its modification time moves on."""
        order.update(wj.dated("date_modified", self.stamp("order", order["id"])))

    def set_status(self, order: dict[str, Any], status: str) -> None:
        """Move ``order`` to ``status``, with the dates WooCommerce keeps for it."""
        if status not in ORDER_STATUSES:
            raise SimError(f"status must be one of {', '.join(ORDER_STATUSES)}", 400)
        order["status"] = status
        self.touch(order)
        moment = self._last_time[("order", order["id"])]
        if status in ("processing", "completed") and order["date_paid"] is None:
            order.update(wj.dated("date_paid", moment))
        if status == "completed":
            order.update(wj.dated("date_completed", moment))

    def update_order(self, order_id: int, body: Any) -> dict[str, Any]:
        """``PUT orders/{id}``: the hub sets the order's status, or marks it paid
        (``set_paid``: the payment is complete, a pending or on-hold order goes to
        processing, as WooCommerce's ``payment_complete`` does), and nothing else."""
        order = self.order(order_id)
        if not isinstance(body, dict) or not body or set(body) - {"status", "set_paid"}:
            raise SimError("only the order's status and set_paid may be changed here", 400)
        if "set_paid" in body:
            if body["set_paid"] is not True:
                raise SimError("set_paid must be true", 400)
            if order["date_paid"] is not None:
                raise SimError(f"order {order_id} is paid already", 400)
            self.set_status(order, body.get("status") or
                            ("processing" if order["status"] in ("pending", "on-hold", "failed") else order["status"]))
            if order["date_paid"] is None:
                order.update(wj.dated("date_paid", self._last_time[("order", order["id"])]))
            self.record("order_paid", order_id=order_id, status=order["status"])
        else:
            self.set_status(order, body["status"])
            self.record("order_status", order_id=order_id, status=body["status"])
        self.emit("order.updated", order)
        return order

    def add_tracking(self, order_id: int, body: Any) -> dict[str, Any]:
        """A shipment with its tracking number, as the Shipment Tracking extension keeps it."""
        order = self.order(order_id)
        if not isinstance(body, dict) or not body.get("tracking_number"):
            raise SimError("tracking_number is required", 400)
        provider = body.get("custom_tracking_provider") or body.get("tracking_provider") or ""
        shipped = body.get("date_shipped") or str(int(datetime.now(UTC).timestamp()))
        item = {"tracking_provider": body.get("tracking_provider") or "",
                "custom_tracking_provider": body.get("custom_tracking_provider") or "",
                "custom_tracking_link": body.get("custom_tracking_link") or "",
                "tracking_number": str(body["tracking_number"]), "date_shipped": str(shipped),
                "tracking_id": secrets.token_hex(16)}
        meta = next((m for m in order["meta_data"] if m["key"] == TRACKING_KEY), None)
        if meta is None:
            meta = {"id": self.ids.next("meta"), "key": TRACKING_KEY, "value": []}
            order["meta_data"].append(meta)
        meta["value"].append(item)
        self.touch(order)
        self.record("fulfillment", order_id=order_id, carrier=provider, tracking_number=item["tracking_number"],
                    tracking_url=item["custom_tracking_link"] or None, date_shipped=item["date_shipped"])
        self.emit("order.updated", order)
        return item

    def update_product(self, product_id: object, body: Any) -> dict[str, Any]:
        """``PUT products/{id}``: the hub sets a product's stock and/or regular price
        (``product_id`` as the client sent it: an unknown one is a 404)."""
        variant = next((v for v in self.catalogue.values() if v.product_id == product_id), None)
        if variant is None:
            raise SimError(f"no product {product_id}", 404)
        if not isinstance(body, dict) or not body or set(body) - {"id", "stock_quantity", "manage_stock",
                                                                  "regular_price"}:
            raise SimError("a product update sets stock_quantity, manage_stock and/or regular_price", 400)
        if "regular_price" in body:
            self._set_price(variant, body["regular_price"])
        if "stock_quantity" in body:
            stock = body["stock_quantity"]
            if isinstance(stock, bool) or not isinstance(stock, int):
                raise SimError("stock_quantity must be a whole number", 400)
            location = next(iter(self.locations))
            variant.stock = {location: stock}
            self.record("stock", sku=variant.sku, product_id=product_id, stock_quantity=stock)
        return wj.product(self.site, variant, self.stamp("product", variant.product_id))

    def batch_products(self, body: Any) -> dict[str, Any]:
        """``POST products/batch``: several updates at once (creates and deletes are refused)."""
        if not isinstance(body, dict) or set(body) - {"update"} or not isinstance(body.get("update"), list):
            raise SimError("a batch here holds only `update`", 400)
        return {"update": [self.update_product(item.get("id"), item) for item in body["update"]
                           if isinstance(item, dict)]}

    def _set_price(self, variant: Variant, value: Any) -> None:
        try:
            price = Decimal(str(value))
        except InvalidOperation:
            raise SimError(f"regular_price {value!r} is not a number", 400) from None
        if not isinstance(value, str) or not price.is_finite() or price < 0:
            raise SimError("regular_price is a decimal string, e.g. \"21.99\"", 400)
        variant.price = price
        self.record("price", sku=variant.sku, product_id=variant.product_id, price=value)

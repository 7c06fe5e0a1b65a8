"""A simulated WooCommerce shop: what shoppers and the merchant do.

Shoppers register and check out (as customers or guests); the merchant marks orders
paid, cancels, refunds and deletes them. Changes announce themselves on WooCommerce's
topics (order.created, order.updated, order.deleted, customer.created,
customer.updated). Prices exclude tax; every site runs on UTC.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plugins.ecommerce.simulator import woocommerce_json as wj
from plugins.ecommerce.simulator.state import SimError, cents, quantity
from plugins.ecommerce.simulator.woocommerce_writes import WooWrites

TAX_RATE_ID = 1


class WooCommerceShop(WooWrites):
    """One WooCommerce shop and its objects in WooCommerce's REST shapes."""

    platform = "woocommerce"

    # -- customers -------------------------------------------------------------------
    def create_customer(self, given: dict[str, Any]) -> dict[str, Any]:
        """A shopper registers; ``given`` has email, names, phone and an ``address``."""
        if not given.get("email"):
            raise SimError("a customer needs an email")
        customer_id = self.ids.next("customer")
        stored = wj.customer(self.site, customer_id, given, self.stamp("customer", customer_id))
        self.customers[customer_id] = stored
        self.emit("customer.created", stored)
        return stored

    def update_customer(self, customer_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """The shopper edits their account (names, email, billing and shipping address)."""
        stored = self.customer(customer_id)
        for key in ("email", "first_name", "last_name"):
            if key in changes:
                stored[key] = changes[key]
        if "address" in changes:
            where = {**changes, **changes["address"]}
            stored["billing"] = wj.address(where, stored["email"])
            stored["shipping"] = wj.address(where)
        stored.update(wj.dated("date_modified", self.stamp("customer", customer_id)))
        self.emit("customer.updated", stored)
        return stored

    # -- checkout ----------------------------------------------------------------------
    def place_order(self, lines: list[dict[str, Any]], customer_id: int | None = None,
                    guest: dict[str, Any] | None = None, paid: bool = True) -> dict[str, Any]:
        """A checkout of ``lines`` ({sku, quantity}) by a customer or a guest (customer_id 0)."""
        if (customer_id is None) == (guest is None):
            raise SimError("an order is placed by a customer_id or by a guest, not both or neither")
        if not lines:
            raise SimError("an order needs lines")
        rate = self.spec.tax_rate
        if customer_id is not None:
            buyer = self.customer(customer_id)
            billing, shipping = dict(buyer["billing"]), dict(buyer["shipping"])
        else:
            assert guest is not None
            where = {**guest, **guest.get("address", {})}
            billing, shipping = wj.address(where, guest.get("email") or ""), wj.address(where)
        order_id = self.ids.next("order")
        items, net, cart_tax = [], Decimal(0), Decimal(0)
        for line in lines:
            variant, count = self.variant(str(line.get("sku"))), quantity(line.get("quantity"))
            tax = (variant.price * count * rate).quantize(Decimal("0.01"))
            items.append(wj.line_item(self.ids.next("line"), variant, count, tax, TAX_RATE_ID))
            net, cart_tax = net + variant.price * count, cart_tax + tax
            self.take_stock(variant, count)
        shipping_total = self.spec.shipping_price
        shipping_tax = (shipping_total * rate).quantize(Decimal("0.01"))
        moment = self.stamp("order", order_id)
        key = f"wc_order_{order_id:05d}"
        order = {
            "id": order_id, "parent_id": 0, "status": "processing" if paid else "on-hold",
            "currency": self.spec.currency, "version": "8.9.3", "prices_include_tax": False,
            **wj.dated("date_created", moment), **wj.dated("date_modified", moment),
            "discount_total": "0.00", "discount_tax": "0.00", "shipping_total": cents(shipping_total),
            "shipping_tax": cents(shipping_tax), "cart_tax": cents(cart_tax),
            "total": cents(net + shipping_total + cart_tax + shipping_tax),
            "total_tax": cents(cart_tax + shipping_tax), "customer_id": customer_id or 0, "order_key": key,
            "billing": billing, "shipping": shipping,
            "payment_method": "stripe" if paid else "bacs",
            "payment_method_title": "Credit card" if paid else "Direct bank transfer", "transaction_id": "",
            "customer_ip_address": "192.0.2.10", "customer_user_agent": "Mozilla/5.0", "created_via": "checkout",
            "customer_note": "", **wj.dated("date_completed", None), **wj.dated("date_paid", moment if paid else None),
            "cart_hash": "", "number": str(order_id), "meta_data": [], "line_items": items,
            "tax_lines": [{"id": self.ids.next("line"), "rate_code": "VAT-1", "rate_id": TAX_RATE_ID, "label": "VAT",
                           "compound": False, "tax_total": cents(cart_tax), "shipping_tax_total": cents(shipping_tax),
                           "rate_percent": float(rate * 100), "meta_data": []}],
            "shipping_lines": [{"id": self.ids.next("line"), "method_title": "Flat rate", "method_id": "flat_rate",
                                "instance_id": "1", "total": cents(shipping_total), "total_tax": cents(shipping_tax),
                                "taxes": [{"id": TAX_RATE_ID, "total": cents(shipping_tax), "subtotal": ""}],
                                "meta_data": []}],
            "fee_lines": [], "coupon_lines": [], "refunds": [], "currency_symbol": self.spec.currency,
            "_links": wj.links(self.site, f"orders/{order_id}"),
        }
        self.orders[order_id] = order
        self.emit("order.created", order)
        return order

    def pay(self, order_id: int) -> dict[str, Any]:
        """The payment of an unpaid order arrives: it goes to processing."""
        order = self.order(order_id)
        if order["status"] not in ("pending", "on-hold"):
            raise SimError(f"order {order_id} is {order['status']}, not awaiting payment")
        self.set_status(order, "processing")
        self.emit("order.updated", order)
        return order

    def edit_order(self, order_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """The merchant edits an order: its ``note`` (the customer note) or shipping ``address``."""
        order = self.order(order_id)
        if not changes or set(changes) - {"note", "address"}:
            raise SimError("an order edit changes note and/or address")
        if "note" in changes:
            order["customer_note"] = changes["note"]
        if "address" in changes:
            order["shipping"] = wj.address(changes["address"])
        self.touch(order)
        self.emit("order.updated", order)
        return order

    def cancel(self, order_id: int, reason: str = "customer") -> dict[str, Any]:
        """The merchant cancels an order (WooCommerce keeps no reason)."""
        order = self.order(order_id)
        if order["status"] == "cancelled":
            raise SimError(f"order {order_id} is already cancelled")
        self.set_status(order, "cancelled")
        self.emit("order.updated", order)
        return order

    def refund(self, order_id: int, lines: list[dict[str, Any]], shipping: bool = False,
               note: str | None = None) -> dict[str, Any]:
        """Money back for ``lines`` ({line_item_id or sku, quantity}), and the shipping if asked."""
        order = self.order(order_id)
        refund_id = self.ids.next("refund")
        moment = self.stamp("refund", refund_id)
        refund_lines, amount = [], Decimal(0)
        for line in lines:
            item = next((li for li in order["line_items"]
                         if li["id"] == line.get("line_item_id") or li["sku"] == line.get("sku")), None)
            if item is None:
                raise SimError(f"order {order_id} has no line {line.get('line_item_id') or line.get('sku')!r}")
            count = quantity(line.get("quantity"))
            if count > item["quantity"]:
                raise SimError(f"line {item['id']} has only {item['quantity']} to refund")
            refunded = wj.refund_line(self.ids.next("line"), item, count, TAX_RATE_ID)
            refund_lines.append(refunded)
            amount -= Decimal(refunded["total"]) + Decimal(refunded["total_tax"])
        if shipping:
            amount += Decimal(order["shipping_total"]) + Decimal(order["shipping_tax"])
        refund = {"id": refund_id, **wj.dated("date_created", moment), "amount": cents(amount),
                  "reason": note or "", "refunded_by": 1, "refunded_payment": False, "meta_data": [],
                  "line_items": refund_lines, "shipping_lines": [], "tax_lines": [], "fee_lines": [],
                  "_links": wj.links(self.site, f"orders/{order_id}/refunds/{refund_id}")}
        self.refunds.setdefault(order_id, []).append(refund)
        order["refunds"].append({"id": refund_id, "reason": note or "", "total": cents(-amount)})
        paid_back = sum(Decimal(r["amount"]) for r in self.refunds[order_id])
        if paid_back >= Decimal(order["total"]):
            self.set_status(order, "refunded")
        else:
            self.touch(order)
        self.emit("order.updated", order)
        return refund

    def delete_order(self, order_id: int) -> None:
        """The merchant deletes an order for good: order.deleted carries only its id."""
        self.order(order_id)
        del self.orders[order_id]
        self.emit("order.deleted", {"id": order_id})

"""A simulated Shopify shop: what shoppers and the merchant do, and what the hub may write.

Shoppers sign up and check out (as customers or guests); the merchant marks orders
paid, cancels and refunds them. Each change announces itself on the webhook topics
Shopify uses (orders/create, orders/paid, orders/updated, orders/cancelled,
orders/fulfilled, refunds/create, customers/create, customers/update). Prices include
tax, as European Shopify shops are usually set up.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from plugins.ecommerce.simulator import shopify_json as sj
from plugins.ecommerce.simulator.shopify_payments import PaymentDesk
from plugins.ecommerce.simulator.state import SimError, cents, quantity


class ShopifyShop(PaymentDesk):
    """One Shopify shop and its objects in Shopify's REST shapes."""

    platform = "shopify"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._order_numbers = iter(range(1001, 10**9))

    # -- customers -------------------------------------------------------------------
    def create_customer(self, given: dict[str, Any]) -> dict[str, Any]:
        """A shopper signs up; ``given`` has email, names, phone and an ``address``."""
        if not given.get("email"):
            raise SimError("a customer needs an email")
        customer_id = self.ids.next("customer")
        stored = sj.customer(customer_id, given, self.ids.next("address"), self.spec.currency,
                             self.stamp("customer", customer_id))
        self.customers[customer_id] = stored
        self.emit("customers/create", stored)
        return stored

    def update_customer(self, customer_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """The shopper edits their account (names, email, phone, tags, default address)."""
        stored = self.customer(customer_id)
        for key in ("email", "first_name", "last_name", "phone", "tags", "note"):
            if key in changes:
                stored[key] = changes[key]
        if "address" in changes:
            home = sj.address(changes["address"], stored["default_address"]["id"], customer_id, default=True)
            stored["default_address"] = home
            stored["addresses"] = [home] + [a for a in stored["addresses"] if a["id"] != home["id"]]
        stored["updated_at"] = sj.when(self.stamp("customer", customer_id))
        self.emit("customers/update", stored)
        return stored

    # -- checkout ----------------------------------------------------------------------
    def place_order(self, lines: list[dict[str, Any]], customer_id: int | None = None,
                    guest: dict[str, Any] | None = None, paid: bool = True) -> dict[str, Any]:
        """A checkout of ``lines`` ({sku, quantity}) by a customer or, without one, a guest."""
        if (customer_id is None) == (guest is None):
            raise SimError("an order is placed by a customer_id or by a guest, not both or neither")
        if not lines:
            raise SimError("an order needs lines")
        currency, rate = self.spec.currency, self.spec.tax_rate
        if customer_id is not None:
            buyer = self.customer(customer_id)
            email, where = buyer["email"], dict(buyer["default_address"])
        else:
            assert guest is not None
            email, where = guest.get("email"), {**guest, **guest.get("address", {})}
        order_id = self.ids.next("order")
        items, line_total, tax_total = [], Decimal(0), Decimal(0)
        for line in lines:
            variant, count = self.variant(str(line.get("sku"))), quantity(line.get("quantity"))
            gross = variant.price * count
            tax = (gross * rate / (1 + rate)).quantize(Decimal("0.01"))
            items.append(sj.line_item(self.ids.next("line"), variant, count, tax, rate, currency))
            line_total, tax_total = line_total + gross, tax_total + tax
            self.take_stock(variant, count)
        shipping = self.spec.shipping_price
        shipping_tax = (shipping * rate / (1 + rate)).quantize(Decimal("0.01"))
        tax_total += shipping_tax
        moment = self.stamp("order", order_id)
        number = next(self._order_numbers)
        total = cents(line_total + shipping)
        order = {
            "id": order_id, "admin_graphql_api_id": sj.gid("Order", order_id), "name": f"#{number}",
            "order_number": number, "number": number - 1000, "email": email, "contact_email": email,
            "phone": None, "created_at": sj.when(moment), "updated_at": sj.when(moment),
            "processed_at": sj.when(moment), "closed_at": None, "cancelled_at": None, "cancel_reason": None,
            "currency": currency, "presentment_currency": currency, "financial_status": "paid" if paid else "pending",
            "fulfillment_status": None, "confirmed": True, "taxes_included": True, "test": False,
            "total_price": total, "total_price_set": sj.money_set(total, currency),
            "subtotal_price": cents(line_total), "total_line_items_price": cents(line_total),
            "total_discounts": "0.00", "total_tax": cents(tax_total),
            "total_tax_set": sj.money_set(cents(tax_total), currency),
            "total_shipping_price_set": sj.money_set(cents(shipping), currency),
            "total_outstanding": "0.00" if paid else total, "source_name": "web", "tags": "", "note": None,
            "payment_gateway_names": ["shopify_payments" if paid else "bank_transfer"],
            "customer": sj.embedded_customer(self.customers[customer_id]) if customer_id is not None else None,
            "billing_address": sj.address(where), "shipping_address": sj.address(where),
            "line_items": items, "discount_codes": [], "discount_applications": [], "fulfillments": [],
            "refunds": [], "tax_lines": [sj.tax_line(tax_total, rate, currency)],
            "shipping_lines": [{"id": self.ids.next("shipping_line"), "title": "Standard", "code": "Standard",
                                "price": cents(shipping), "price_set": sj.money_set(cents(shipping), currency),
                                "discounted_price": cents(shipping), "source": "shopify", "carrier_identifier": None,
                                "tax_lines": [sj.tax_line(shipping_tax, rate, currency)],
                                "discount_allocations": []}],
        }
        self.orders[order_id] = order
        self.open_fulfillment_order(order)
        self.emit("orders/create", order)
        if paid:
            self.emit("orders/paid", order)
        return order

    def pay(self, order_id: int) -> dict[str, Any]:
        """The payment of a pending order arrives."""
        order = self.order(order_id)
        if order["financial_status"] != "pending":
            raise SimError(f"order {order_id} is {order['financial_status']}, not pending")
        order.update(financial_status="paid", total_outstanding="0.00")
        self.touch(order)
        self.emit("orders/paid", order)
        self.emit("orders/updated", order)
        return order

    def edit_order(self, order_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """The merchant edits an order: its ``note`` or its shipping ``address``."""
        order = self.order(order_id)
        if not changes or set(changes) - {"note", "address"}:
            raise SimError("an order edit changes note and/or address")
        if "note" in changes:
            order["note"] = changes["note"]
        if "address" in changes:
            order["shipping_address"] = sj.address(changes["address"])
        self.touch(order)
        self.emit("orders/updated", order)
        return order

    def cancel(self, order_id: int, reason: str = "customer") -> dict[str, Any]:
        """The merchant (or the hub, through the API) cancels an order; a paid one is refunded."""
        order = self.order(order_id)
        if order["cancelled_at"] is not None:
            raise SimError(f"order {order_id} is already cancelled")
        if order["financial_status"] in ("paid", "partially_refunded"):
            refunded: dict[int, int] = {}
            for earlier in order["refunds"]:
                for line in earlier["refund_line_items"]:
                    refunded[line["line_item_id"]] = refunded.get(line["line_item_id"], 0) + line["quantity"]
            left = [{"line_item_id": li["id"], "quantity": li["quantity"] - refunded.get(li["id"], 0)}
                    for li in order["line_items"] if li["quantity"] > refunded.get(li["id"], 0)]
            shipping_left = not any(r["refund_shipping_lines"] for r in order["refunds"])
            if left or shipping_left:
                self.refund(order_id, left, shipping=shipping_left, note="Order cancelled")
        moment = sj.when(self.stamp("order", order_id))
        order.update(cancelled_at=moment, closed_at=moment, cancel_reason=reason, updated_at=moment)
        if order["financial_status"] in ("pending", "authorized"):
            order["financial_status"] = "voided"
        self.emit("orders/cancelled", order)
        self.emit("orders/updated", order)
        return order

    def refund(self, order_id: int, lines: list[dict[str, Any]], shipping: bool = False,
               note: str | None = None) -> dict[str, Any]:
        """Money back for ``lines`` ({line_item_id or sku, quantity}), and the shipping if asked."""
        order, currency = self.order(order_id), self.spec.currency
        refund_id = self.ids.next("refund")
        moment = sj.when(self.stamp("refund", refund_id))
        refunded, refund_lines = Decimal(0), []
        for line in lines:
            item = self._line(order, line)
            count = quantity(line.get("quantity"))
            if count > item["quantity"]:
                raise SimError(f"line {item['id']} has only {item['quantity']} to refund")
            subtotal = Decimal(item["price"]) * count
            tax = Decimal(item["tax_lines"][0]["price"]) * count / item["quantity"]
            refunded += subtotal
            refund_lines.append({"id": self.ids.next("line"), "line_item_id": item["id"], "quantity": count,
                                 "location_id": next(iter(self.locations)), "restock_type": "return",
                                 "subtotal": cents(subtotal), "subtotal_set": sj.money_set(cents(subtotal), currency),
                                 "total_tax": cents(tax), "total_tax_set": sj.money_set(cents(tax), currency),
                                 "line_item": item})
        shipping_lines = []
        if shipping:
            ship = order["shipping_lines"][0]
            refunded += Decimal(ship["price"])
            shipping_lines.append({"id": self.ids.next("line"), "shipping_line_id": ship["id"],
                                   "subtotal_amount_set": sj.money_set(ship["price"], currency),
                                   "shipping_line": ship})
        transaction_id = self.ids.next("transaction")
        refund = {"id": refund_id, "admin_graphql_api_id": sj.gid("Refund", refund_id), "order_id": order_id,
                  "created_at": moment, "processed_at": moment, "note": note, "restock": True, "user_id": None,
                  "order_adjustments": [], "duties": [], "refund_line_items": refund_lines,
                  "refund_shipping_lines": shipping_lines,
                  "transactions": [{"id": transaction_id, "admin_graphql_api_id": sj.gid("OrderTransaction",
                                                                                          transaction_id),
                                    "order_id": order_id, "kind": "refund", "gateway": "shopify_payments",
                                    "status": "success", "amount": cents(refunded), "currency": currency,
                                    "created_at": moment, "processed_at": moment}]}
        self.refunds.setdefault(order_id, []).append(refund)
        order["refunds"].append(refund)
        paid_back = sum(Decimal(r["transactions"][0]["amount"]) for r in order["refunds"])
        order["financial_status"] = "refunded" if paid_back >= Decimal(order["total_price"]) else "partially_refunded"
        self.touch(order)
        self.emit("refunds/create", refund)
        self.emit("orders/updated", order)
        return refund

    def _line(self, order: dict[str, Any], line: dict[str, Any]) -> dict[str, Any]:
        for item in order["line_items"]:
            if item["id"] == line.get("line_item_id") or (line.get("sku") and item["sku"] == line.get("sku")):
                return item
        raise SimError(f"order {order['id']} has no line {line.get('line_item_id') or line.get('sku')!r}")

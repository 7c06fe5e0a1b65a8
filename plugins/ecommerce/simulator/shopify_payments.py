"""Payments the hub records in a Shopify shop: order transactions (``orders/{id}/transactions.json``).

An order placed with a manual payment method (bank transfer) stays ``pending`` until
its payment is recorded. The hub does that when the ERP reports the invoice paid: a
``sale`` transaction from an ``external`` source for what is outstanding (a ``capture``
of the authorization for an ``authorized`` order), as Shopify's Transaction resource
takes it. The order becomes ``paid`` (``partially_paid`` for less than outstanding),
announced on orders/paid and orders/updated; each transaction is recorded.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from plugins.ecommerce.simulator import shopify_json as sj
from plugins.ecommerce.simulator.shopify_fulfilment import FulfilmentDesk
from plugins.ecommerce.simulator.state import SimError, cents

PAYABLE = ("pending", "authorized", "partially_paid")


class PaymentDesk(FulfilmentDesk):
    """A Shopify shop's order transactions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transactions: dict[int, list[dict[str, Any]]] = {}

    def transactions_of(self, order_id: int) -> list[dict[str, Any]]:
        """``GET orders/{id}/transactions.json``."""
        self.order(order_id)
        return self.transactions.get(order_id, [])

    def create_transaction(self, order_id: int, body: Any) -> dict[str, Any]:
        """``POST orders/{id}/transactions.json``: a sale or capture paying (part of) what is outstanding."""
        order = self.order(order_id)
        given = body.get("transaction") if isinstance(body, dict) else None
        if not isinstance(given, dict):
            raise SimError("transaction is required", 400)
        kind = given.get("kind")
        if kind not in ("sale", "capture"):
            raise SimError("kind must be sale or capture here (refunds go through refunds.json)")
        if order["financial_status"] not in PAYABLE:
            raise SimError(f"order {order_id} is {order['financial_status']}; there is nothing to pay")
        if kind == "capture" and order["financial_status"] != "authorized":
            raise SimError(f"order {order_id} has no authorization to capture")
        outstanding = Decimal(order["total_outstanding"])
        amount = self._amount(given.get("amount"), outstanding)
        if given.get("currency", order["currency"]) != order["currency"]:
            raise SimError(f"currency must be the order's, {order['currency']}")
        transaction_id = self.ids.next("transaction")
        moment = sj.when(self.stamp("transaction", transaction_id))
        made = {"id": transaction_id, "admin_graphql_api_id": sj.gid("OrderTransaction", transaction_id),
                "order_id": order_id, "kind": kind, "gateway": "manual", "status": "success",
                "source_name": given.get("source", "external"), "amount": cents(amount),
                "currency": order["currency"], "parent_id": given.get("parent_id"), "created_at": moment,
                "processed_at": moment}
        self.transactions.setdefault(order_id, []).append(made)
        left = outstanding - amount
        order.update(total_outstanding=cents(left), financial_status="paid" if left == 0 else "partially_paid")
        self.touch(order)
        self.record("transaction", order_id=order_id, transaction_kind=kind, amount=made["amount"])
        if left == 0:
            self.emit("orders/paid", order)
        self.emit("orders/updated", order)
        return made

    @staticmethod
    def _amount(value: Any, outstanding: Decimal) -> Decimal:
        if value is None:
            return outstanding
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise SimError(f"amount {value!r} is not a number") from None
        if not amount.is_finite() or amount <= 0 or amount > outstanding:
            raise SimError(f"amount must be more than 0 and at most the outstanding {cents(outstanding)}")
        return amount

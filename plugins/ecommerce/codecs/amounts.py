"""What each line of a Shopify order came to: its discounts and its net value, beside it.

Shopify keeps a line's list price; the discounts the customer got are allocated to the
lines (``discount_allocations``, each naming the order's ``discount_applications`` entry
it comes from, whether a line's own discount or one over the whole order), and when the
shop's prices include tax (``taxes_included``) the line's ``tax_lines`` are inside its
price. The canonical order wants what the shop charged: each item's net value after its
discounts and without tax (as WooCommerce's line ``total`` is), the discounts as
conditions with negative values, and the freight's net value.

Mapping tables do no arithmetic, so the codec adds to each line item and shipping line
(the parsed body only; the archived payload stays as the shop sent it):

- ``hub_discounts``: one ``{"amount": "-5.00", "description": "SUMMER5"}`` per allocation,
  negative as the model's discount conditions are, described by its application's code
  or title;
- ``hub_list_value``: price x quantity (line items only);
- ``hub_net_value``: price x quantity - the discounts - the tax included in the price.

Amounts are exact decimals as text; a line whose amounts are not numbers is an
``AmountError`` naming the field.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

DISCOUNTS = "hub_discounts"
LIST_VALUE = "hub_list_value"
NET_VALUE = "hub_net_value"
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")


class AmountError(ValueError):
    """An amount of the order is not a decimal number; ``field`` is its path in the order."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def price_lines(order: dict[str, Any]) -> dict[str, Any]:
    """``order`` with the discounts and net values on its line items and shipping lines
    (a shallow copy where it changes; lists that are not lists are left to the table)."""
    applications = order.get("discount_applications")
    names = [_describe(a) for a in applications] if isinstance(applications, list) else []
    taxed = order.get("taxes_included") is True
    result = dict(order)
    for key, quantified in (("line_items", True), ("shipping_lines", False)):
        lines = order.get(key)
        if isinstance(lines, list):
            result[key] = [_priced(line, f"{key}.{index}", names, taxed, quantified) if isinstance(line, dict)
                           else line for index, line in enumerate(lines)]
    return result


def _priced(line: dict[str, Any], where: str, names: list[str | None], taxed: bool,
            quantified: bool) -> dict[str, Any]:
    price = _amount(line.get("price"), f"{where}.price")
    if price is None:
        return line  # the table reports the missing price
    quantity = line.get("quantity") if quantified else 1
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        return line  # the table reports the quantity
    discounts = []
    allocations = line.get("discount_allocations")
    for index, allocation in enumerate(allocations if isinstance(allocations, list) else []):
        at = f"{where}.discount_allocations.{index}"
        if not isinstance(allocation, dict):
            raise AmountError(at, "must be an object {amount, discount_application_index}")
        amount = _amount(allocation.get("amount"), f"{at}.amount")
        if amount is None:
            raise AmountError(f"{at}.amount", "missing")
        applied = allocation.get("discount_application_index")
        name = names[applied] if isinstance(applied, int) and not isinstance(applied, bool) \
            and 0 <= applied < len(names) else None
        discounts.append({"amount": str(-amount), **({"description": name} if name else {})})
    included = Decimal(0)
    if taxed:
        taxes = line.get("tax_lines")
        for index, tax in enumerate(taxes if isinstance(taxes, list) else []):
            value = _amount(tax.get("price"), f"{where}.tax_lines.{index}.price") if isinstance(tax, dict) else None
            included += value or 0
    listed = price * quantity
    net = listed - sum((-Decimal(d["amount"]) for d in discounts), Decimal(0)) - included
    extra: dict[str, Any] = {DISCOUNTS: discounts, NET_VALUE: str(net)}
    if quantified:
        extra[LIST_VALUE] = str(listed)
    return {**line, **extra}


def _describe(application: Any) -> str | None:
    """A discount application's name: its code, else its title or description."""
    if not isinstance(application, dict):
        return None
    for key in ("code", "title", "description"):
        if isinstance(application.get(key), str) and application[key]:
            return str(application[key])
    return None


def _amount(value: Any, field: str) -> Decimal | None:
    """The decimal of a money field (Shopify writes money as text); None when absent."""
    if value is None:
        return None
    if isinstance(value, Decimal) or (isinstance(value, int) and not isinstance(value, bool)):
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return Decimal(value.strip())
    raise AmountError(field, f"must be a decimal amount, got {value!r}")

"""Item numbers for Shopify orders: each line item's position, added beside its id.

Shopify numbers no items; its line items have ids of 14 digits. A sales order's item
number travels to the ERP, which keeps six digits of it (SAP's POSEX) and names the
order's items by it in confirmations and deliveries, so the id cannot be the item
number. The codec adds ``hub_position`` (1, 2, ...) to each of the order's line items,
in the order the shop lists them, and the same number to each line of a fulfilment,
found by its line item id; the mapping table takes the item number from it. A refund
is a return order of its own, so its lines are numbered 1, 2, ... in the order the
refund lists them. Only the parsed body gets the field: the archived payload stays as
the shop sent it.
"""

from __future__ import annotations

from typing import Any

POSITION = "hub_position"


def number_lines(order: dict[str, Any]) -> dict[str, Any]:
    """``order`` with ``hub_position`` on its line items and its fulfilments' lines
    (a shallow copy where it changes; an order without a list of line items is as given)."""
    lines = order.get("line_items")
    if not isinstance(lines, list):
        return order
    numbered = [{**line, POSITION: index} if isinstance(line, dict) else line
                for index, line in enumerate(lines, start=1)]
    positions = {line["id"]: line[POSITION] for line in numbered if isinstance(line, dict) and _is_id(line.get("id"))}
    result = {**order, "line_items": numbered}
    fulfilments = order.get("fulfillments")
    if isinstance(fulfilments, list):
        result["fulfillments"] = [_fulfilment(f, positions) for f in fulfilments]
    return result


def number_refund_lines(refund: dict[str, Any]) -> dict[str, Any]:
    """``refund`` with ``hub_position`` on its refund line items (a shallow copy; a refund
    without a list of lines is as given)."""
    lines = refund.get("refund_line_items")
    if not isinstance(lines, list):
        return refund
    return {**refund, "refund_line_items": [{**line, POSITION: index} if isinstance(line, dict) else line
                                            for index, line in enumerate(lines, start=1)]}


def _fulfilment(fulfilment: Any, positions: dict[Any, int]) -> Any:
    if not isinstance(fulfilment, dict) or not isinstance(fulfilment.get("line_items"), list):
        return fulfilment
    return {**fulfilment, "line_items": [
        {**line, POSITION: positions[line["id"]]} if isinstance(line, dict) and _is_id(line.get("id"))
        and line["id"] in positions else line for line in fulfilment["line_items"]]}


def _is_id(value: Any) -> bool:
    """Whether ``value`` can be a line item id (a hostile body may put a list or an object
    there; the mapping then names the field, this must not fail on it first)."""
    return isinstance(value, int | str)

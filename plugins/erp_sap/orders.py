"""A sales order as the ERP must receive it: with the ERP's numbers of its partners and
products, whichever channel (SOAP or ORDERS05) carries it.

Before the ERP can take an order, the partners and products must be known there: their
ERP numbers come from the key map. A sold-to party the ERP does not know yet is
usually still on its way (its own queue); that is a transient condition, retried until
it arrives or the retries run out and the order's queue blocks for the administrator.
"""

from __future__ import annotations

from typing import Any

from hub.api import OutboundMessage, PermanentError, PluginTransaction, TransientError

PARTNER_WAIT_SECONDS = 5.0


def resolve_erp_ids(transaction: PluginTransaction, order: dict[str, Any]) -> dict[str, Any]:
    """The order with the ERP numbers of its partners and products filled in."""
    resolved = dict(order)
    partners = []
    for partner in order.get("partners") or []:
        partner = dict(partner)
        if not partner.get("external_id") and partner.get("partner_hub_id"):
            partner["external_id"] = transaction.external_id("partner", partner["partner_hub_id"])
        partners.append(partner)
    if not any(p.get("function") == "sold_to" for p in partners) and order.get("sold_to_hub_id"):
        partners.append({"function": "sold_to", "partner_hub_id": order["sold_to_hub_id"],
                         "external_id": transaction.external_id("partner", order["sold_to_hub_id"])})
    items = []
    for item in order.get("items") or []:
        item = dict(item)
        if not item.get("product_external_id") and item.get("product_hub_id"):
            item["product_external_id"] = transaction.external_id("product", item["product_hub_id"])
        items.append(item)
    resolved["partners"], resolved["items"] = partners, items
    return resolved


def erp_order(transaction: PluginTransaction, message: OutboundMessage) -> dict[str, Any]:
    """The message's order, ERP numbers filled in, as both order channels send it.

    Raises TransientError while the sold-to party has no ERP number: it is usually
    still on its way to the ERP in its own queue.
    """
    order = resolve_erp_ids(transaction, {**message.payload["data"], "hub_id": message.hub_id})
    sold_to = next((p for p in order["partners"] if p.get("function") == "sold_to"), None)
    if sold_to is None:
        raise PermanentError(f"sales order {message.hub_id} names no sold-to party")
    if not sold_to.get("external_id"):
        raise TransientError(
            f"sold-to partner {sold_to.get('partner_hub_id')} of sales order {message.hub_id} has no ERP number "
            "yet (waiting for its replication)", retry_after=PARTNER_WAIT_SECONDS)
    return order

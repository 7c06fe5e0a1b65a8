"""A sales order as the ERP must receive it: with the ERP's numbers of its partners,
products and the orders it refers to, whichever channel (SOAP or ORDERS05) carries it.

Before the ERP can take an order, the partners and products must be known there: their
ERP numbers come from the key map. A sold-to party the ERP does not know yet is
usually still on its way (its own queue); that is a transient condition, retried until
it arrives or the retries run out and the order's queue blocks for the administrator.
An installation that books web-shop guests on a one-time customer account (SAP's CPD
customer, ``one_time_customer``) sends such an order at once, on that account, with
the guest's name and address in the order's own sold-to partner. Items name their
products by the ERP's number where the sender knew it (a shop's SKUs); a return names
the order it returns from, whose ERP number is looked up whichever system named it.

A release order names the sales contract it calls off: each item carries the ERP's
contract number (ORDERS05 E1EDP02 qualifier 006, "contract", which SAP's order inbound
copies into the item's document flow), from the item's own contract reference or
else the order's. The contract goes to the ERP in its own queue; until its number is
back, the order waits for it (transient), as for a sold-to party, so that the ERP
never books a release as an order of its own.
"""

from __future__ import annotations

from typing import Any

from hub.api import OutboundMessage, PermanentError, PluginTransaction, TransientError
from plugins.erp_sap.settings import PLUGIN, ErpSapSettings

PARTNER_WAIT_SECONDS = 5.0
CONTRACT = "sales_contract"
ITEM_NUMBER_LIMIT = 999_999
"""SAP keeps the customer's item number in six digits (POSEX); a longer one cannot be
sent and would not come back in the ERP's confirmations and deliveries."""


def _references(transaction: PluginTransaction, references: list[dict[str, Any]]) -> list[dict[str, Any]]:
    resolved = []
    for reference in references:
        reference = dict(reference)
        if reference.get("doc_type") == "sales_order" and reference.get("external_system") != PLUGIN:
            hub_id = reference.get("hub_id")
            if hub_id is None and reference.get("external_id") and reference.get("external_system"):
                hub_id = transaction.find("sales_order", reference["external_id"], reference["external_system"])
            number = transaction.external_id("sales_order", hub_id) if hub_id else None
            if number is not None:
                reference.update(hub_id=hub_id, external_system=PLUGIN, external_id=number)
        resolved.append(reference)
    return resolved


def _contract_reference(transaction: PluginTransaction, reference: dict[str, Any]) -> dict[str, Any]:
    """A contract reference with the ERP's contract number, if the ERP gave it one yet."""
    if reference.get("external_system") == PLUGIN and reference.get("external_id"):
        return reference
    hub_id = reference.get("hub_id")
    if hub_id is None and reference.get("external_id") and reference.get("external_system"):
        hub_id = transaction.find(CONTRACT, reference["external_id"], reference["external_system"])
    number = transaction.external_id(CONTRACT, hub_id) if hub_id else None
    if number is None:
        return reference
    return {**reference, "hub_id": hub_id, "external_system": PLUGIN, "external_id": number}


def _item_references(transaction: PluginTransaction, item: dict[str, Any],
                     header_contracts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The item's references, its contract (its own, else the order's) under the ERP's number."""
    own = item.get("references") or []
    contracts = [r for r in own if r.get("doc_type") == CONTRACT] or header_contracts
    return [r for r in own if r.get("doc_type") != CONTRACT] + \
        [_contract_reference(transaction, r) for r in contracts]


def resolve_erp_ids(transaction: PluginTransaction, order: dict[str, Any]) -> dict[str, Any]:
    """The order with the ERP numbers of its partners, products and referenced orders filled in.

    A partner or product the hub knows is sent under the ERP's number from the key map,
    whatever id the order's sender gave it (a web shop's customer id, a shop's own SKU);
    an id without a hub id is taken as the ERP's own. The sold-to function without either
    (a shop guest, known by e-mail) stands for the order's sold-to party.
    """
    resolved = dict(order)
    partners = []
    for partner in order.get("partners") or []:
        partner = dict(partner)
        if partner.get("function") == "sold_to" and not partner.get("partner_hub_id") \
                and not partner.get("external_id"):
            partner["partner_hub_id"] = order.get("sold_to_hub_id")
        if partner.get("partner_hub_id"):
            partner["external_id"] = transaction.external_id("partner", partner["partner_hub_id"])
        partners.append(partner)
    if not any(p.get("function") == "sold_to" for p in partners) and order.get("sold_to_hub_id"):
        partners.append({"function": "sold_to", "partner_hub_id": order["sold_to_hub_id"],
                         "external_id": transaction.external_id("partner", order["sold_to_hub_id"])})
    header_contracts = [r for r in order.get("references") or [] if r.get("doc_type") == CONTRACT]
    items = []
    for item in order.get("items") or []:
        item = dict(item)
        if item.get("product_hub_id"):
            item["product_external_id"] = transaction.external_id("product", item["product_hub_id"]) \
                or item.get("product_external_id")
        if item.get("references") or header_contracts:
            item["references"] = _item_references(transaction, item, header_contracts)
        items.append(item)
    resolved["partners"], resolved["items"] = partners, items
    resolved["references"] = _references(transaction, order.get("references") or [])
    return resolved


def erp_order(transaction: PluginTransaction, message: OutboundMessage, settings: ErpSapSettings) -> dict[str, Any]:
    """The message's order, ERP numbers filled in, as both order channels send it; an
    order without a sales area (a web shop's) gets the configured one.

    Raises TransientError while the sold-to party has no ERP number (it is usually
    still on its way to the ERP in its own queue), unless ``one_time_customer`` names
    the ERP's one-time account and the order says who the sold-to party is.
    """
    order = resolve_erp_ids(transaction, {**message.payload["data"], "hub_id": message.hub_id})
    for name, default in (("sales_org", settings.sales_org), ("distribution_channel", settings.distribution_channel),
                          ("division", settings.division)):
        order[name] = order.get(name) or default
    one_time_customer = settings.one_time_customer
    sold_to = next((p for p in order["partners"] if p.get("function") == "sold_to"), None)
    if sold_to is None:
        raise PermanentError(f"sales order {message.hub_id} names no sold-to party")
    too_long = [i["item_number"] for i in order["items"] if int(i.get("item_number") or 0) > ITEM_NUMBER_LIMIT]
    if too_long:
        raise PermanentError(
            f"sales order {message.hub_id}: item number(s) {', '.join(map(str, too_long))} longer than the six "
            "digits the ERP keeps for the customer's item (POSEX); number the items 1 to 999999")
    if not sold_to.get("external_id") and one_time_customer \
            and any(sold_to.get(k) for k in ("name", "email", "address")):
        sold_to["external_id"] = one_time_customer
    if not sold_to.get("external_id"):
        raise TransientError(
            f"sold-to partner {sold_to.get('partner_hub_id')} of sales order {message.hub_id} has no ERP number "
            "yet (waiting for its replication)", retry_after=PARTNER_WAIT_SECONDS)
    unsent = sorted({r.get("hub_id") or r.get("external_id") or "" for i in order["items"]
                     for r in i.get("references") or ()
                     if r.get("doc_type") == CONTRACT and r.get("external_system") != PLUGIN})
    if unsent:
        raise TransientError(
            f"sales contract {', '.join(unsent)} of sales order {message.hub_id} has no ERP number yet "
            "(waiting for its replication)", retry_after=PARTNER_WAIT_SECONDS)
    return order

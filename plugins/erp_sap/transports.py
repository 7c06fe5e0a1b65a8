"""Outbound transports of the erp_sap plugin: sales orders to the ERP over SOAP or IDoc.

The queue hands a transport one message: the canonical order as stored. Before the
ERP can take it, the partners and products must be known there: their ERP numbers
come from the key map. A sold-to party the ERP does not know yet is usually still on
its way (its own queue); that is a transient condition, retried until it arrives or
the retries run out and the order's queue blocks for the administrator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.api import (
    DeliveryResult,
    OutboundMessage,
    PermanentError,
    PluginContext,
    PluginTransaction,
    TransientError,
)
from plugins.erp_sap.acks import erp_number
from plugins.erp_sap.settings import ErpSapSettings
from plugins.erp_sap.soap import SalesArea, SalesOrderSoapClient

if TYPE_CHECKING:
    from plugins.erp_sap.idoc_out import IdocTransport

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


class SoapOrderTransport:
    """Sends sales orders with SalesOrderERPCreateRequestConfirmation_In."""

    def __init__(self, context: PluginContext) -> None:
        settings = context.settings_as(ErpSapSettings)
        self._context = context
        self._client = SalesOrderSoapClient(
            settings.wsdl, settings.endpoint, settings.username, settings.password, settings.timeout,
            sales_area=SalesArea(settings.sales_org, settings.distribution_channel, settings.division),
            sender_system=settings.sender_partner, transient_fault_ids=settings.transient_fault_ids,
        )

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """Create the order in the ERP; its ERP number goes into the key map."""
        with self._context.reading() as transaction:
            order = erp_order(transaction, message)
        result = self._client.create_order(order)
        notes = "; ".join(m.note for m in result.messages)
        # The key map holds SAP numbers without ALPHA zeros, as ORDRSP and INVOIC map them.
        return DeliveryResult(external_ids=(erp_number(result.erp_order_id),), confirmed=True,
                              detail=f"ERP order {result.erp_order_id}" + (f": {notes}" if notes else ""))


def order_transport_factory(context: PluginContext) -> SoapOrderTransport | IdocTransport:
    """Transport ``orders``: SOAP or ORDERS05 IDoc, as ``order_channel`` says."""
    if context.settings_as(ErpSapSettings).order_channel == "idoc":
        # Imported here: idoc_out builds its orders with erp_order from this module.
        from plugins.erp_sap.idoc_out import IdocTransport

        return IdocTransport(context)
    return SoapOrderTransport(context)

"""Outbound transports of the erp_sap plugin: sales orders to the ERP over SOAP or IDoc.

The queue hands a transport one message: the canonical order as stored. Before the
ERP can take it, the partners and products must be known there: their ERP numbers
come from the key map. A sold-to party the ERP does not know yet is usually still on
its way (its own queue); that is a transient condition, retried until it arrives or
the retries run out and the order's queue blocks for the administrator.
"""

from __future__ import annotations

from hub.api import DeliveryResult, OutboundMessage, PluginContext
from plugins.erp_sap.acks import erp_number
from plugins.erp_sap.changes import OrderCancellations, is_cancellation
from plugins.erp_sap.idoc_out import IdocTransport
from plugins.erp_sap.orders import erp_order
from plugins.erp_sap.settings import ErpSapSettings
from plugins.erp_sap.soap import SalesArea, SalesOrderSoapClient


class SoapOrderTransport:
    """Sends sales orders with SalesOrderERPCreateRequestConfirmation_In."""

    def __init__(self, context: PluginContext) -> None:
        settings = context.settings_as(ErpSapSettings)
        self._context = context
        self._settings = settings
        self._client = SalesOrderSoapClient(
            settings.wsdl, settings.endpoint, settings.username, settings.password, settings.timeout,
            sales_area=SalesArea(settings.sales_org, settings.distribution_channel, settings.division),
            sender_system=settings.sender_partner, transient_fault_ids=settings.transient_fault_ids,
        )

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """Create the order in the ERP; its ERP number goes into the key map."""
        with self._context.reading() as transaction:
            order = erp_order(transaction, message, self._settings)
        result = self._client.create_order(order)
        notes = "; ".join(m.note for m in result.messages)
        # The key map holds SAP numbers without ALPHA zeros, as ORDRSP and INVOIC map them.
        return DeliveryResult(external_ids=(erp_number(result.erp_order_id),), confirmed=True,
                              detail=f"ERP order {result.erp_order_id}" + (f": {notes}" if notes else ""))


class OrderTransport:
    """Transport ``orders``: creates go by ``order_channel`` (SOAP or ORDERS05, returns as
    order type RE), cancellations as ORDCHG (see ``changes``)."""

    def __init__(self, context: PluginContext) -> None:
        channel = context.settings_as(ErpSapSettings).order_channel
        self.creates: SoapOrderTransport | IdocTransport = (
            IdocTransport(context) if channel == "idoc" else SoapOrderTransport(context))
        """The transport of ``order_channel`` that creates orders."""
        self._cancel = OrderCancellations(context)

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """Create the order in the ERP, or cancel it there."""
        return self._cancel.send(message) if is_cancellation(message) else self.creates.send(message)


def order_transport_factory(context: PluginContext) -> OrderTransport:
    """Transport ``orders``."""
    return OrderTransport(context)

"""Outbound transports of the erp_sap plugin: sales orders to the ERP over SOAP or IDoc.

The queue hands a transport one message: the canonical order as stored. Before the
ERP can take it, the partners and products must be known there: their ERP numbers
come from the key map. A sold-to party the ERP does not know yet is usually still on
its way (its own queue); that is a transient condition, retried until it arrives or
the retries run out and the order's queue blocks for the administrator.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hub.core.errors import TransientError
from hub.core.queue.messages import DeliveryResult, OutboundMessage, TransportContext
from hub.core.store import keymap
from plugins.erp_sap.idoc_out import IdocTransport
from plugins.erp_sap.settings import PLUGIN, erp_sap_settings
from plugins.erp_sap.soap import SalesArea, SalesOrderSoapClient

PARTNER_WAIT_SECONDS = 5.0


def resolve_erp_ids(conn: sa.Connection, order: dict[str, Any]) -> dict[str, Any]:
    """The order with the ERP numbers of its partners and products filled in."""
    resolved = dict(order)
    partners = []
    for partner in order.get("partners") or []:
        partner = dict(partner)
        if not partner.get("external_id") and partner.get("partner_hub_id"):
            partner["external_id"] = keymap.reverse_lookup(conn, PLUGIN, "partner", partner["partner_hub_id"])
        partners.append(partner)
    if not any(p.get("function") == "sold_to" for p in partners) and order.get("sold_to_hub_id"):
        partners.append({"function": "sold_to", "partner_hub_id": order["sold_to_hub_id"],
                         "external_id": keymap.reverse_lookup(conn, PLUGIN, "partner", order["sold_to_hub_id"])})
    items = []
    for item in order.get("items") or []:
        item = dict(item)
        if not item.get("product_external_id") and item.get("product_hub_id"):
            item["product_external_id"] = keymap.reverse_lookup(conn, PLUGIN, "product", item["product_hub_id"])
        items.append(item)
    resolved["partners"], resolved["items"] = partners, items
    return resolved


class SoapOrderTransport:
    """Sends sales orders with SalesOrderERPCreateRequestConfirmation_In."""

    def __init__(self, context: TransportContext) -> None:
        settings = erp_sap_settings(context.settings)
        self._engine: sa.Engine = context.runtime.engine
        self._client = SalesOrderSoapClient(
            settings.wsdl, settings.endpoint, settings.username, settings.password, settings.timeout,
            sales_area=SalesArea(settings.sales_org, settings.distribution_channel, settings.division),
            sender_system=settings.sender_partner, transient_fault_ids=settings.transient_fault_ids,
        )

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """Create the order in the ERP; its ERP number goes into the key map."""
        order = {**message.payload["data"], "hub_id": message.hub_id}
        with self._engine.connect() as conn:
            order = resolve_erp_ids(conn, order)
        sold_to = next((p for p in order["partners"] if p.get("function") == "sold_to"), None)
        if sold_to is None or not sold_to.get("external_id"):
            raise TransientError(
                f"sold-to partner {sold_to and sold_to.get('partner_hub_id')} has no ERP number yet "
                "(waiting for its replication)", retry_after=PARTNER_WAIT_SECONDS)
        result = self._client.create_order(order)
        notes = "; ".join(m.note for m in result.messages)
        return DeliveryResult(external_ids=(result.erp_order_id,), confirmed=True,
                              detail=f"ERP order {result.erp_order_id}" + (f": {notes}" if notes else ""))


def order_transport_factory(context: TransportContext) -> SoapOrderTransport | IdocTransport:
    """Transport ``orders``: SOAP or ORDERS05 IDoc, as ``order_channel`` says."""
    if erp_sap_settings(context.settings).order_channel == "idoc":
        return IdocTransport(context)
    return SoapOrderTransport(context)

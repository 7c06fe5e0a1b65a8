"""Sales and service contracts to the ERP as ORDERS05 IDocs of a contract type.

SAP keeps contracts as sales documents of category G; its IDoc inbound for ORDERS
creates one of the type given in E1EDK14 qualifier 012 (WK1 value, KM quantity, WV
service contract; tables SALESCONTRACT and SERVICECONTRACT). The IDoc port is chosen
over a SOAP service because the ERP's standard SOAP sales-order service creates orders
only, while ORDERS05 carries every sales document type and the ERP's ALEAUD answers it
with the number it saved the contract under (E1PRTOB, object BUS2034), which the
acknowledgement handler puts into the key map, as for orders.

A contract the ERP knows (its number is in the key map) goes again as ORDCHG, the
same layout with the ERP's number, so a changed validity or a cancellation reaches
the ERP as a change and never as a second contract. Partners and products go under
their ERP numbers; a sold-to party without one yet is waited for, as for orders.
"""

from __future__ import annotations

from typing import Any

from hub.api import (
    DeliveryResult,
    DocumentError,
    NotFoundError,
    OutboundMessage,
    PermanentError,
    PluginContext,
    TransientError,
    validate_document,
)
from plugins.erp_sap.changes import CHANGE
from plugins.erp_sap.idoc.codec import IdocCodecs
from plugins.erp_sap.idoc_out import IdocSender
from plugins.erp_sap.orders import PARTNER_WAIT_SECONDS, resolve_erp_ids
from plugins.erp_sap.settings import ErpSapSettings

CONTRACT_TYPES = ("sales_contract", "service_contract")


class ContractTransport:
    """Transport ``contracts``: contracts as ORDERS05 (new) or ORDCHG (known to the ERP)."""

    def __init__(self, context: PluginContext) -> None:
        self._context = context
        self._settings = context.settings_as(ErpSapSettings)
        self._sender = IdocSender(self._settings)
        self._codecs = IdocCodecs.from_settings(self._settings)

    def _contract(self, message: OutboundMessage) -> dict[str, Any]:
        with self._context.reading() as transaction:
            data = resolve_erp_ids(transaction, {**message.payload["data"], "hub_id": message.hub_id})
        for name, default in (("sales_org", self._settings.sales_org),
                              ("distribution_channel", self._settings.distribution_channel),
                              ("division", self._settings.division)):
            data[name] = data.get(name) or default
        sold_to = next((p for p in data["partners"] if p.get("function") == "sold_to"), None)
        if sold_to is None or not sold_to.get("external_id"):
            raise TransientError(f"sold-to partner of {message.doc_type} {message.hub_id} has no ERP number yet"
                                 " (waiting for its replication)", retry_after=PARTNER_WAIT_SECONDS)
        if message.external_ids:
            data["external_ids"] = [{"system": self._context.plugin, "id": message.external_ids[0]}]
        return data

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """Create the contract in the ERP, or change it there once the ERP has its number."""
        docnum = f"{message.id:016d}"
        data = self._contract(message)
        try:
            contract = validate_document(message.doc_type, {**data, "version": message.version},
                                         f"{message.doc_type} {message.hub_id}")
            raw = self._context.render(contract)
            if message.external_ids:
                raw.message_type = CHANGE
                raw.control["MESTYP"] = CHANGE
            raw.control.update(self._sender.control(docnum))
            raw.document_id = docnum
            xml = self._codecs.render_xml([raw])
        except (DocumentError, NotFoundError) as exc:
            raise PermanentError(f"{message.doc_type} {message.hub_id}: cannot render IDoc {docnum}: {exc}") from exc
        kind = raw.control["MESTYP"]
        target = self._sender.deliver(xml, docnum, kind)
        return DeliveryResult(detail=f"{kind} IDoc {docnum} ({message.doc_type}) passed to {target} (status 03)")

"""A cancelled order goes to the ERP as a change: ORDCHG, every item rejected.

SAP cancels a sales order by giving each item a reason for rejection (ABGRU); the
order's overall status becomes "rejected", and it is neither delivered nor billed. The
SOAP create service cannot change an order, so the cancellation always goes as an
ORDCHG IDoc (basic type ORDERS05) to the ERP's IDoc port or the file port, whichever
channel created the order; the ERP finds the order by the buyer's order number, the
hub id, as with everything the hub sends. Cancelling twice is harmless: the ERP
answers the second ORDCHG as it did the first. An order that was cancelled in its first
version never reached the ERP (its queue carried nothing before) and is not sent at all.
"""

from __future__ import annotations

from hub.api import (
    DeliveryResult,
    DocumentError,
    NotFoundError,
    OutboundMessage,
    PermanentError,
    PluginContext,
    RawDocument,
    validate_document,
)
from plugins.erp_sap.idoc.codec import IdocCodecs
from plugins.erp_sap.idoc_out import IdocSender
from plugins.erp_sap.orders import erp_order
from plugins.erp_sap.settings import ErpSapSettings

CHANGE = "ORDCHG"


def is_cancellation(message: OutboundMessage) -> bool:
    """Whether the message carries a cancelled sales order."""
    return message.doc_type == "sales_order" and message.payload.get("data", {}).get("status") == "cancelled"


def rejected(raw: RawDocument, reason: str) -> RawDocument:
    """The rendered order as an ORDCHG that rejects every item with ``reason``."""
    raw.message_type = CHANGE
    raw.control["MESTYP"] = CHANGE
    for segment in raw.body:
        if segment.name == "E1EDK01":
            segment.fields["ACTION"] = "002"
        elif segment.name == "E1EDP01":
            segment.fields["ACTION"] = "002"
            segment.fields["ABGRU"] = reason
    return raw


class OrderCancellations:
    """Sends cancellations of sales orders as ORDCHG IDocs."""

    def __init__(self, context: PluginContext) -> None:
        self._context = context
        self._settings = context.settings_as(ErpSapSettings)
        self._sender = IdocSender(self._settings)
        self._codecs = IdocCodecs.from_settings(self._settings)

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """Reject every item of the order in the ERP (or send nothing, see the module)."""
        if message.version <= 1:
            return DeliveryResult(detail="cancelled before it reached the ERP: nothing sent")
        docnum = f"{message.id:016d}"
        with self._context.reading() as transaction:
            data = erp_order(transaction, message, self._settings)
        try:
            order = validate_document("sales_order", {**data, "version": message.version},
                                      f"sales_order {message.hub_id}")
            raw = rejected(self._context.render(order), self._settings.cancel_reason)
            raw.control.update(self._sender.control(docnum))
            raw.document_id = docnum
            xml = self._codecs.render_xml([raw])
        except (DocumentError, NotFoundError) as exc:
            raise PermanentError(f"sales_order {message.hub_id}: cannot render ORDCHG {docnum}: {exc}") from exc
        target = self._sender.deliver(xml, docnum, CHANGE)
        return DeliveryResult(detail=f"ORDCHG IDoc {docnum} rejecting every item ({self._settings.cancel_reason}) "
                                     f"passed to {target} (status 03)")

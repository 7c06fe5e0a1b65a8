"""WooCommerce's ``order.deleted``: the order, deleted (or trashed) in the shop, is cancelled.

The webhook carries only the order's id (``{"id": 731}``), not an order a mapping table
could read, so this handler, inside the transaction that posts the delivery, finds the
order the hub made of it (key map: ``sales_order`` and ``SHOP:ID``) and writes it back
through master data as cancelled, with a status history entry saying the shop deleted
it: the same change a cancellation in the shop makes, which the ERP then receives as
one. A deletion that overtakes its order (webhooks arrive out of order) waits for it
(``hub inbound list --state waiting``) and cancels it the moment it is posted.
"""

from __future__ import annotations

from hub.api import (
    DocumentError,
    MessageHandler,
    OrderStatus,
    PluginContext,
    PluginTransaction,
    RawDocument,
    SalesOrder,
    StatusChange,
    UnresolvedReferenceError,
    utcnow,
)
from plugins.ecommerce.settings import PLUGIN

DELETED = "woocommerce:order.deleted"
REASON = "deleted in the shop"


def deletion_handler(context: PluginContext) -> MessageHandler:
    """The ``woocommerce:order.deleted`` handler."""

    def handle(transaction: PluginTransaction, raw: RawDocument) -> str:
        where = f"shop {raw.body.get('shop')} {raw.message_type} {raw.document_id}"
        hub_id = transaction.find("sales_order", raw.document_id)
        if hub_id is None:
            raise UnresolvedReferenceError(where, "order.id", f"order {raw.document_id} is not known to the hub"
                                                              " yet; it is cancelled when it arrives",
                                           (PLUGIN, "sales_order", raw.document_id))
        order = transaction.document(hub_id)
        if not isinstance(order, SalesOrder):
            raise DocumentError(where, "order.id", f"{hub_id} is a {order.doc_type}, not a sales order")
        if order.status is OrderStatus.cancelled:
            return f"order {hub_id} was cancelled already"
        change = StatusChange(status=OrderStatus.cancelled.value, changed_at=utcnow(), system=PLUGIN, reason=REASON)
        cancelled = order.model_copy(update={"status": OrderStatus.cancelled,
                                             "status_history": [*order.status_history, change]})
        [written] = transaction.upsert([cancelled])
        return f"order {written.hub_id} cancelled ({REASON}), version {written.version}"

    return handle

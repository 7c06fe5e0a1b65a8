"""Where a Shopify refund finds its customer: a link from each order to its sold-to party.

A Shopify refund names its order (``order_id``) but not the customer, and the return it
becomes needs a sold-to party. The refunds table looks the order's id up in the key map
under the object type ``order_sold_to``; this chunk listener writes that link inside the
transaction that posts the order. A refund that arrives before its order waits for the
link and is posted when the order is (``hub inbound list --state waiting``).
"""

from __future__ import annotations

from hub.api import ChunkListener, PluginContext, PostedChunk, SalesOrder

ORDER_SOLD_TO = "order_sold_to"
"""The key-map object type of the link: the order's ``SHOP:ORDER-ID`` -> its sold-to's hub id."""
LINKED_STATUSES = frozenset({"posted", "unchanged", "stale", "duplicate"})


def refund_link_listener(context: PluginContext) -> ChunkListener:
    """The listener that links each posted Shopify order to its sold-to party."""

    def listen(chunk: PostedChunk) -> None:
        transaction = chunk.transaction
        for raw, outcome in chunk.results:
            if not raw.message_type.startswith("shopify:") or "order" not in raw.body \
                    or outcome.hub_id is None or outcome.status not in LINKED_STATUSES \
                    or transaction.find(ORDER_SOLD_TO, raw.document_id) is not None:
                continue
            order = transaction.document(outcome.hub_id)
            if isinstance(order, SalesOrder):
                transaction.link(ORDER_SOLD_TO, raw.document_id, order.sold_to_hub_id)

    return listen

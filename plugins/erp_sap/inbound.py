"""What the erp_sap plugin does inside the transaction that posts the ERP's IDocs.

Three things, in this order: deliveries (DESADV) become shipments of their orders,
billing documents (INVOIC) are linked to their orders and move them, then every
processed IDoc is acknowledged with ALEAUD. All commit with the postings, so a delivery
never reaches its order twice and an acknowledgement never goes out for something
rolled back.
"""

from __future__ import annotations

from hub.api import ChunkListener, PluginContext, PostedChunk
from plugins.erp_sap.acks import ack_listener
from plugins.erp_sap.billing import apply_billing
from plugins.erp_sap.shipments import apply_deliveries


def chunk_listener(context: PluginContext) -> ChunkListener:
    """The plugin's chunk listener: shipments and billing first, then acknowledgements."""
    acknowledge = ack_listener(context)

    def listen(chunk: PostedChunk) -> None:
        apply_deliveries(chunk)
        apply_billing(chunk)
        acknowledge(chunk)

    return listen

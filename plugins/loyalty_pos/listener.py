"""Where the engine hooks into the hub: posted receipts and canonical sales orders.

``earning_listener`` runs inside each posted chunk's transaction, so a receipt and the
points it earns (or a return and the points it takes back) commit together or not at
all; duplicates are not posted, so a re-sent file earns nothing twice. Without a
loaded programme nothing earns (receipts still post). ``order_subscriber`` gives
members points for their web-shop orders (sales orders from any other system).
"""

from __future__ import annotations

from hub.api import (
    ApplyChange,
    CanonicalChange,
    ChunkListener,
    PluginContext,
    PluginTransaction,
    PostedChunk,
    RetailTransaction,
    SalesOrder,
    utcnow,
)
from plugins.loyalty_pos.engine.earning import settle_order, settle_receipts
from plugins.loyalty_pos.engine.programme import NoProgramme, active_programme
from plugins.loyalty_pos.settings import PLUGIN, LoyaltyPosSettings

RETAIL = "retail_transaction"


def may_move_points(shape: object) -> bool:
    """Whether a transaction (in the codecs' shape) can earn or reverse points: it has a
    card or a customer, or returns something. The others are not even read back."""
    if not isinstance(shape, dict):
        return True
    lines = shape.get("lines")
    returns = isinstance(lines, list) and any(isinstance(x, dict) and x.get("kind") == "return" for x in lines)
    return bool(shape.get("loyalty_card") or shape.get("customer") or returns)


def earning_listener(context: PluginContext) -> ChunkListener:
    """Earn and reverse points for the receipts each chunk posted."""
    window = context.settings_as(LoyaltyPosSettings).return_window_days

    def listen(chunk: PostedChunk) -> None:
        posted = [o.hub_id for raw, o in chunk.results if o.status == "posted" and o.doc_type == RETAIL and o.hub_id
                  and may_move_points(raw.body)]
        if not posted:
            return
        tx = chunk.transaction
        try:
            programme = active_programme(tx)
        except NoProgramme:
            return
        read = tx.documents(posted)
        receipts = [txn for hub_id in posted if isinstance(txn := read.get(hub_id), RetailTransaction)]
        settle_receipts(tx, programme, receipts, window, utcnow())

    return listen


def order_subscriber(window_days: int) -> ApplyChange:
    """The subscription's work on one change of a sales order."""
    def apply(tx: PluginTransaction, change: CanonicalChange) -> str | None:
        if change.source_system == PLUGIN:
            return None
        order = change.document()
        if not isinstance(order, SalesOrder):
            return None
        try:
            programme = active_programme(tx)
        except NoProgramme as exc:
            return str(exc)
        return settle_order(tx, programme, order, window_days, utcnow())

    return apply

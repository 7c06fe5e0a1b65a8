"""Deliveries the ERP reports (DESADV) become shipments of their sales orders.

The DESADV mapping table makes a ``delivery`` document; this listener, inside the same
transaction, adds it to the order it delivers as a ``Shipment`` (carrier, tracking
number, goods issue time, items) and sets the order's ``delivery_status``. So the
order a web shop placed changes in one step, and the shop plugin sees the fulfilment
as a change of its order. A delivery reported again replaces its own shipment (same
delivery number) and adds nothing; several deliveries of one order add up, and the
order is ``delivered`` once every item's quantity has gone out.

Only ``shipments`` and ``delivery_status`` are written: the rest of the order keeps the
sources it had. Delivery items name the order item by the number the hub sent (SAP
keeps it as the customer's item number, POSEX). An item that names no item of the
order, or counts in another unit, stays on the delivery document only.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hub.api import Delivery, NotFoundError, PluginTransaction, PostedChunk, SalesOrder, Shipment, ShipmentItem

DELIVERED = "delivered"
PARTIALLY_DELIVERED = "partially_delivered"
_WRITTEN = frozenset({"hub_id", "shipments", "delivery_status"})


def apply_deliveries(chunk: PostedChunk) -> None:
    """Add every delivery posted in ``chunk`` to its sales order."""
    for _raw, outcome in chunk.results:
        if outcome.doc_type == "delivery" and outcome.status == "posted" and outcome.hub_id:
            delivery = chunk.transaction.document(outcome.hub_id)
            if isinstance(delivery, Delivery):
                ship_to_order(chunk.transaction, delivery)


def ship_to_order(transaction: PluginTransaction, delivery: Delivery) -> str | None:
    """Record ``delivery`` on its order; the order's hub id, or None when the hub has no order for it."""
    order = _order_of(transaction, delivery)
    if order is None:
        return None
    shipment = _shipment(order, delivery)
    shipments = [s for s in order.shipments if s.shipment_id != shipment.shipment_id] + [shipment]
    status = delivery_status(order, shipments) or order.delivery_status
    if shipments == order.shipments and status == order.delivery_status:
        return order.hub_id
    updated = SalesOrder.model_validate({**order.model_dump(), "shipments": shipments, "delivery_status": status})
    transaction.upsert([SalesOrder.model_construct(_fields_set=set(_WRITTEN), **dict(updated))])
    return order.hub_id


def _order_of(transaction: PluginTransaction, delivery: Delivery) -> SalesOrder | None:
    for reference in delivery.references:
        if reference.doc_type != "sales_order":
            continue
        hub_id = reference.hub_id
        if hub_id is None and reference.external_id and reference.external_system:
            hub_id = transaction.find("sales_order", reference.external_id, reference.external_system)
        if hub_id is None:
            continue
        try:
            order = transaction.document(hub_id)
        except NotFoundError:
            continue
        if isinstance(order, SalesOrder):
            return order
    return None


def _shipment(order: SalesOrder, delivery: Delivery) -> Shipment:
    units = {item.item_number: item.quantity.unit for item in order.items}
    items = [ShipmentItem(item_number=item.order_item_number, quantity=item.quantity)
             for item in delivery.items
             if item.order_item_number is not None and units.get(item.order_item_number) == item.quantity.unit]
    return Shipment(shipment_id=delivery.delivery_number, carrier=delivery.carrier,
                    tracking_number=delivery.tracking_number, tracking_url=delivery.tracking_url,
                    shipped_at=delivery.shipped_at, items=items)


def delivery_status(order: SalesOrder, shipments: list[Shipment]) -> str | None:
    """``delivered`` when every item went out in full, ``partially_delivered`` when some
    of it did, None when the shipments say nothing about the order's items."""
    shipped: dict[int, Decimal] = defaultdict(Decimal)
    for shipment in shipments:
        for item in shipment.items:
            shipped[item.item_number] += item.quantity.value
    if not shipped:
        return None
    if all(shipped[item.item_number] >= item.quantity.value for item in order.items):
        return DELIVERED
    return PARTIALLY_DELIVERED

"""Shipments of a sales order: what left the warehouse, with whom, and how to track it.

The ERP reports its outbound deliveries, a web shop its fulfilments; both become
shipments of the order, so the delivery that the ERP made reaches the shop as a
fulfilment with its carrier and tracking number. A shipment's items name the order
items they carry by ``item_number``; the order checks that those items exist.
"""

from __future__ import annotations

from pydantic import AwareDatetime, Field, model_validator

from hub.core.model.base import CanonicalModel, Quantity, field_error


class ShipmentItem(CanonicalModel):
    """The quantity of one order item that a shipment carries."""

    item_number: int = Field(gt=0, description="The order item shipped.")
    quantity: Quantity

    @model_validator(mode="after")
    def _check_quantity(self) -> ShipmentItem:
        if self.quantity.value <= 0:
            raise field_error("quantity.value", f"must be greater than zero, got {self.quantity.value}")
        return self


class Shipment(CanonicalModel):
    """One shipment (ERP outbound delivery, shop fulfilment) of an order."""

    shipment_id: str | None = Field(
        default=None, min_length=1,
        description="The delivery's number where it was made (ERP delivery, shop fulfilment id).")
    carrier: str | None = Field(
        default=None, min_length=1, description="The carrier, as the source names it (DHL, UPS...).")
    tracking_number: str | None = Field(default=None, min_length=1)
    tracking_url: str | None = Field(default=None, min_length=1)
    shipped_at: AwareDatetime | None = None
    items: list[ShipmentItem] = Field(default_factory=list, description="What it carries; empty: not itemised.")

    @model_validator(mode="after")
    def _check_shipment(self) -> Shipment:
        if not (self.shipment_id or self.tracking_number or self.items):
            raise field_error("shipment_id", "a shipment needs a shipment_id, a tracking_number or items")
        if self.tracking_url is not None and self.tracking_number is None:
            raise field_error("tracking_number", "a tracking_url needs the tracking_number it tracks")
        return self

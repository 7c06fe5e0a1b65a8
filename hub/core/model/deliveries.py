"""Outbound deliveries: what the ERP shipped for which sales order, with whom.

SAP delivers a sales order through delivery documents (LIKP/LIPS) and reports each
one (DESADV). A delivery is kept as a document of its own, so the 360-degree view
lists it and a redelivered report is recognised by its number; the order it belongs
to gets it as a ``Shipment`` (carrier, tracking number, items), which is what a web
shop shows as the fulfilment. Items name the order item they deliver twice over: by
the delivery's own item number and by the order's item (``order_item_number``).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from pydantic import AwareDatetime, Field, model_validator

from hub.core.model.base import CanonicalModel, Document, DocumentReference, Quantity, field_error
from hub.core.model.checks import check_unique


class DeliveryItem(CanonicalModel):
    """One item of a delivery: a quantity of one order item's product."""

    item_number: int = Field(gt=0, description="The delivery's own item number (SAP POSNR).")
    order_item_number: int | None = Field(
        default=None, gt=0, description="The order item it delivers, as numbered where the order was made.")
    product_hub_id: str | None = None
    product_external_id: str | None = None
    description: str | None = None
    quantity: Quantity

    @model_validator(mode="after")
    def _check_item(self) -> DeliveryItem:
        if self.quantity.value <= 0:
            raise field_error("quantity.value", f"must be greater than zero, got {self.quantity.value}")
        return self


class Delivery(Document):
    """An outbound delivery of (part of) a sales order."""

    doc_type: ClassVar[str] = "delivery"
    id_prefix: ClassVar[str] = "dl"

    delivery_number: str = Field(min_length=1, description="The delivery's number where it was made (SAP VBELN).")
    references: list[DocumentReference] = Field(
        default_factory=list, description="The sales order(s) delivered, by hub id or external id.")
    sold_to_hub_id: str | None = None
    carrier: str | None = Field(default=None, min_length=1, description="The carrier (SAP forwarding agent).")
    tracking_number: str | None = Field(default=None, min_length=1)
    tracking_url: str | None = Field(default=None, min_length=1)
    planned_date: dt.date | None = Field(default=None, description="The planned delivery date.")
    shipped_at: AwareDatetime | None = Field(default=None, description="When goods issue was posted.")
    items: list[DeliveryItem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_delivery(self) -> Delivery:
        check_unique((i.item_number for i in self.items), "items", "item_number")
        if self.tracking_url is not None and self.tracking_number is None:
            raise field_error("tracking_number", "a tracking_url needs the tracking_number it tracks")
        if not any(r.doc_type == "sales_order" for r in self.references):
            raise field_error("references", "a delivery needs a reference to the sales order it delivers")
        return self

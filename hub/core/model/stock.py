"""Stock levels: how much of a product is available at one location, as of when.

The ERP reports its stock (per plant and storage location); web shops show it per
SKU and location. One document holds one product at one location, so a report of a
thousand materials updates a thousand small documents and each travels to the shops
in its own queue: a change of one product's stock never waits behind another's.
Which document a report updates is decided by its external id, which names product
and location together (``<material>/<plant>/<storage location>`` for SAP).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, Field, model_validator

from hub.core.model.base import Document, Quantity, field_error


class StockLevel(Document):
    """The quantity of one product available at one location at a moment."""

    doc_type: ClassVar[str] = "stock_level"
    id_prefix: ClassVar[str] = "st"

    product_hub_id: str | None = Field(default=None, min_length=1, description="The product, once the hub knows it.")
    product_external_id: str | None = Field(
        default=None, min_length=1, description="The product's number in the reporting system (an ERP material).")
    location: str = Field(min_length=1, description="Where the stock is: a plant, warehouse or store.")
    storage_location: str | None = Field(
        default=None, min_length=1, description="A part of the location (SAP storage location), if reported.")
    available: Quantity = Field(description="What can be sold: unrestricted stock.")
    blocked: Quantity | None = Field(default=None, description="Stock not free for sale (blocked, in inspection).")
    as_of: AwareDatetime = Field(description="When the reporting system counted it.")

    @model_validator(mode="after")
    def _check_stock(self) -> StockLevel:
        if self.product_hub_id is None and self.product_external_id is None:
            raise field_error("product_hub_id", "a stock level needs product_hub_id or product_external_id")
        if self.blocked is not None and self.blocked.unit != self.available.unit:
            raise field_error("blocked.unit", f"must be the unit of available ({self.available.unit}),"
                                              f" got {self.blocked.unit}")
        if self.blocked is not None and self.blocked.value < 0:
            raise field_error("blocked.value", f"must not be negative, got {self.blocked.value}")
        return self

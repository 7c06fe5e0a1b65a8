"""Products: materials and service products with texts, units and conversions.

Quantities in documents may use any unit a product declares; ``Product.to_base``
converts them to the base unit exactly (SAP: UMREZ/UMREN per alternative unit).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import Field, model_validator

from hub.core.errors import DocumentError
from hub.core.model.base import (
    CanonicalModel,
    Document,
    ExactDecimal,
    LanguageCode,
    Money,
    Quantity,
    UnitCode,
    field_error,
)
from hub.core.model.checks import check_period, check_unique


class ProductKind(StrEnum):
    """A physical material or a service product."""

    material = "material"
    service = "service"


class ProductStatus(StrEnum):
    """Life-cycle status of a product."""

    planned = "planned"
    active = "active"
    blocked = "blocked"
    discontinued = "discontinued"


class ProductDescription(CanonicalModel):
    """The product's name (and optional long text) in one language."""

    language: LanguageCode
    text: str = Field(min_length=1)
    long_text: str | None = None


class UnitConversion(CanonicalModel):
    """``denominator`` of ``unit`` equal ``numerator`` of the base unit (1 BOX = 12 PCE)."""

    unit: UnitCode
    numerator: ExactDecimal = Field(gt=0)
    denominator: ExactDecimal = Field(default=Decimal(1), gt=0)
    ean: str | None = Field(default=None, description="GTIN/EAN of this packaging unit.")


class ListPrice(CanonicalModel):
    """A list price per ``per`` (default: one base unit), for shops and tills."""

    price: Money
    per: Quantity | None = None
    price_list: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class Product(Document):
    """A material or service product, with texts per language and units of measure."""

    doc_type: ClassVar[str] = "product"
    id_prefix: ClassVar[str] = "pr"

    kind: ProductKind
    status: ProductStatus = ProductStatus.active
    product_group: str | None = None
    base_unit: UnitCode
    descriptions: list[ProductDescription] = Field(default_factory=list)
    conversions: list[UnitConversion] = Field(default_factory=list)
    ean: str | None = Field(default=None, description="GTIN/EAN of the base unit.")
    gross_weight: Quantity | None = None
    net_weight: Quantity | None = None
    list_prices: list[ListPrice] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_units(self) -> Product:
        if not self.descriptions:
            raise field_error("descriptions", "a product needs a description in at least one language")
        check_unique((d.language for d in self.descriptions), "descriptions", "language")
        check_unique((c.unit for c in self.conversions), "conversions", "unit")
        for index, conversion in enumerate(self.conversions):
            if conversion.unit == self.base_unit:
                raise field_error(f"conversions.{index}.unit", f"{conversion.unit} is the base unit")
        for index, price in enumerate(self.list_prices):
            check_period(price.valid_from, price.valid_to, f"list_prices.{index}.valid_to")
            if price.per is not None and self._conversion(price.per.unit) is None:
                raise field_error(f"list_prices.{index}.per.unit", f"{price.per.unit} is not a unit of this product")
        return self

    def description(self, language: str) -> str:
        """The name in ``language`` (a "de-AT" request falls back to "de"), else the first."""
        for wanted in (language, language.split("-")[0]):
            for text in self.descriptions:
                if text.language == wanted:
                    return text.text
        return self.descriptions[0].text

    def _conversion(self, unit: str) -> tuple[Decimal, Decimal] | None:
        if unit == self.base_unit:
            return Decimal(1), Decimal(1)
        for conversion in self.conversions:
            if conversion.unit == unit:
                return conversion.numerator, conversion.denominator
        return None

    def to_base(self, quantity: Quantity) -> Quantity:
        """``quantity`` expressed in the base unit; DocumentError for a unit the product lacks."""
        conversion = self._conversion(quantity.unit)
        if conversion is None:
            raise DocumentError(
                f"product {self.hub_id or self.description('en')}", "unit",
                f"no unit {quantity.unit}; the product has {', '.join(self.units())}",
            )
        numerator, denominator = conversion
        # Multiply before dividing so whole-number conversions stay exact.
        return Quantity(value=quantity.value * numerator / denominator, unit=self.base_unit)

    def units(self) -> list[str]:
        """The base unit followed by every alternative unit."""
        return [self.base_unit, *(c.unit for c in self.conversions)]

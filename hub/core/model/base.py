"""Building blocks every canonical document shares: money, quantities, ids, versions.

Money is always ``Decimal`` with an ISO 4217 currency, quantities carry an ISO
(UN/ECE Rec. 20) unit code, timestamps are timezone-aware. Floats are refused, so a
rounding error can never enter through the model.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_PAIRS = [high + low for high in _CROCKFORD for low in _CROCKFORD]
"""Two Crockford digits for each 10-bit value: an id is 13 lookups, not 26 divisions."""
_PAIR_SHIFTS = tuple(range(120, -1, -10))


def new_hub_id(prefix: str) -> str:
    """A stable, time-sortable id such as ``bp_01JD3Z9K8M4Q7R2T5V6W8X9Y0Z``.

    Time-sortable so that ids created together sit together in indexes; random in its
    low part (80 bits) so several workers never need to coordinate. The ids are
    unique, not secret, so the fast generator is enough (it is reseeded after fork).
    The 26 Crockford base-32 digits spell the 128-bit value, most significant first.
    """
    value = (int(time.time() * 1000) << 80) | random.getrandbits(80)
    return f"{prefix}_{''.join([_CROCKFORD_PAIRS[value >> shift & 1023] for shift in _PAIR_SHIFTS])}"


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def _refuse_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError("floats are not accepted for exact values; pass a string or Decimal")
    return value


def _upper_code(length: int, what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        value = value.strip().upper()
        if len(value) != length or not value.isalpha():
            raise ValueError(f"{what} must be {length} letters, got {value!r}")
        return value

    return check


ExactDecimal = Annotated[
    Decimal,
    BeforeValidator(_refuse_float),
    WithJsonSchema({
        "anyOf": [
            {"type": "integer"},
            {"type": "string", "pattern": r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"},
        ],
        "description": "Exact decimal, written as a string (e.g. \"12.345\"); floats are refused.",
    }),
]
"""A Decimal that refuses floats and serialises to JSON as a string, exactly."""

CurrencyCode = Annotated[
    str,
    AfterValidator(_upper_code(3, "ISO 4217 currency code")),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{3}$", "description": "ISO 4217 currency code."}),
]
CountryCode = Annotated[
    str,
    AfterValidator(_upper_code(2, "ISO 3166 country code")),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{2}$",
                    "description": "ISO 3166-1 alpha-2 country code."}),
]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
UnitCode = Annotated[str, Field(min_length=1, max_length=3, pattern=r"^[A-Z0-9]{1,3}$")]
"""UN/ECE Recommendation 20 unit code (PCE, KGM, MTR, HUR, ...)."""
Timestamp = AwareDatetime


class CanonicalModel(BaseModel):
    """Base of every canonical model class: strict about unknown fields."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_default=True)


class Money(CanonicalModel):
    """An exact amount in one currency."""

    amount: ExactDecimal
    currency: CurrencyCode


class Quantity(CanonicalModel):
    """An exact quantity in an ISO unit."""

    value: ExactDecimal
    unit: UnitCode


class ExternalRef(CanonicalModel):
    """The id a document has in one external system (SAP customer number, shop id...)."""

    system: str = Field(min_length=1, description="Plugin/system name, e.g. 'erp_sap'.")
    id: str = Field(min_length=1, description="The id in that system, as that system writes it.")


class Document(CanonicalModel):
    """A canonical business document: one golden record with a stable hub id.

    ``hub_id`` and ``version`` are assigned by the store; ``external_ids`` lists the
    document's ids in other systems (one per system normally, several after a merge).
    """

    doc_type: ClassVar[str]
    id_prefix: ClassVar[str]
    known_types: ClassVar[set[str]] = set()
    """Every ``doc_type`` a document class declares, noted as the class is defined (the
    package imports every model module, so all are known once any is)."""

    hub_id: str | None = Field(default=None, description="Stable hub id, assigned on first store.")
    version: int = Field(default=0, ge=0, description="Store version; 0 before first store.")
    external_ids: list[ExternalRef] = Field(default_factory=list)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "doc_type" in cls.__dict__:
            Document.known_types.add(cls.doc_type)

    def external_id(self, system: str) -> str | None:
        """This document's first id in ``system``, if it has one."""
        return next((ref.id for ref in self.external_ids if ref.system == system), None)

    def business_data(self) -> dict[str, Any]:
        """The document's content without store bookkeeping, as JSON-ready data.

        Used to detect whether a change actually changed anything.
        """
        return self.model_dump(mode="json", exclude={"hub_id", "version", "external_ids"})


def field_error(path: str, reason: str) -> PydanticCustomError:
    """A validation error for a check that spans fields, located at ``path``.

    Pydantic places errors raised by a model validator at the model itself; the dotted
    ``path`` (relative to the model, e.g. ``items.0.net_value.currency``) travels in the
    error's context so ``hub.core.model.validation`` can report the exact field.
    """
    return PydanticCustomError("hub_field", "{path}: {reason}", {"path": path, "reason": reason})


class DocumentReference(CanonicalModel):
    """A link to another document this one follows from or leads to.

    Quotation -> order, contract -> release order, order -> billing document. The target
    is named by hub id when the hub knows it, else by its id in an external system (the
    ERP's billing number before that invoice is replicated), or both.
    """

    doc_type: str = Field(description="doc_type of the referenced document, e.g. 'sales_order'.")
    hub_id: str | None = None
    external_system: str | None = None
    external_id: str | None = None
    item_number: int | None = Field(default=None, gt=0, description="Item of the target, if one item.")

    @model_validator(mode="after")
    def _check_target(self) -> DocumentReference:
        if self.doc_type not in Document.known_types:
            known = ", ".join(sorted(Document.known_types))
            raise field_error("doc_type", f"unknown document type {self.doc_type!r}; known: {known}")
        if self.hub_id is None and self.external_id is None:
            raise field_error("hub_id", "a reference needs hub_id or external_id")
        if (self.external_id is None) != (self.external_system is None):
            raise field_error("external_system", "external_id and external_system go together")
        return self

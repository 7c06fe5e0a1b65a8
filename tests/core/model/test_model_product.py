"""Products: texts per language and exact unit conversions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hub.core.errors import DocumentError
from hub.core.model import Quantity, validate_document
from hub.core.model.validation import InvalidDocumentError
from hub.testing.samples import product


def _field(data: dict[str, Any]) -> str:
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document("product", data)
    return exc.value.field


def test_descriptions_by_language_with_fallback() -> None:
    valve = product()
    assert valve.description("en") == "Thermostatic valve DN15"
    assert valve.description("de-AT") == "Thermostatventil DN15"
    assert valve.description("fr") == "Thermostatventil DN15"


def test_conversion_to_base_unit_is_exact() -> None:
    valve = product()
    assert valve.to_base(Quantity(value="2.5", unit="BX")) == Quantity(value="30.0", unit="PCE")
    assert valve.to_base(Quantity(value="7", unit="PCE")).value == Decimal("7")
    assert valve.units() == ["PCE", "BX"]
    with pytest.raises(DocumentError) as exc:
        valve.to_base(Quantity(value="1", unit="KGM"))
    assert exc.value.field == "unit" and "PCE, BX" in exc.value.reason


def test_unit_rules() -> None:
    data = product().model_dump(mode="json")
    data["conversions"].append({"unit": "BX", "numerator": "10"})
    assert _field(data) == "conversions.1"
    data["conversions"] = [{"unit": "PCE", "numerator": "1"}]
    assert _field(data) == "conversions.0.unit"
    data["conversions"] = [{"unit": "BX", "numerator": "0"}]
    assert _field(data) == "conversions.0.numerator"
    data = product().model_dump(mode="json")
    data["list_prices"][0]["per"] = {"value": "1", "unit": "PAL"}
    assert _field(data) == "list_prices.0.per.unit"


def test_product_needs_a_description_once_per_language() -> None:
    data = product().model_dump(mode="json")
    data["descriptions"] = []
    assert _field(data) == "descriptions"
    data["descriptions"] = [{"language": "de", "text": "A"}, {"language": "de", "text": "B"}]
    assert _field(data) == "descriptions.1"
    data["descriptions"] = [{"language": "German", "text": "A"}]
    assert _field(data) == "descriptions.0.language"

"""Stock levels and deliveries: what each must name, checked with the field at fault."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.model import validate_document
from hub.core.model.validation import InvalidDocumentError
from hub.testing.samples import delivery, stock_level


def _field(doc_type: str, data: dict[str, Any]) -> str:
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document(doc_type, data)
    return exc.value.field


def test_a_stock_level_names_its_product_and_keeps_one_unit() -> None:
    data = stock_level().model_dump(mode="json")
    data["product_hub_id"] = data["product_external_id"] = None
    assert _field("stock_level", data) == "product_hub_id"
    data = stock_level().model_dump(mode="json")
    data["blocked"] = {"value": "1", "unit": "KGM"}
    assert _field("stock_level", data) == "blocked.unit"
    data = stock_level().model_dump(mode="json")
    data["as_of"] = "2024-06-07T18:00:00"
    assert _field("stock_level", data) == "as_of"


def test_negative_available_stock_is_kept_as_the_erp_reports_it() -> None:
    # SAP allows negative stock in some plants; the report is what it is.
    level = stock_level(available={"value": "-2", "unit": "PCE"})
    assert str(level.available.value) == "-2"


def test_a_delivery_refers_to_its_order_and_carries_something() -> None:
    data = delivery().model_dump(mode="json")
    data["references"] = []
    assert _field("delivery", data) == "references"
    data = delivery().model_dump(mode="json")
    data["items"][0]["quantity"]["value"] = "0"
    assert _field("delivery", data) == "items.0.quantity.value"
    data = delivery().model_dump(mode="json")
    data["items"].append(dict(data["items"][0]))
    assert _field("delivery", data) == "items.1"
    data = delivery().model_dump(mode="json")
    data["tracking_number"] = None
    data["tracking_url"] = "https://track.example/1"
    assert _field("delivery", data) == "tracking_number"

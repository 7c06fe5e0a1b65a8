"""validate_document: bad input becomes one error naming document, fields and reasons."""

from __future__ import annotations

import pytest

from hub.core.errors import DocumentError, NotFoundError
from hub.core.model import FieldProblem, InvalidDocumentError, Partner, validate_document
from hub.testing.samples import partner


def test_valid_json_text_and_mappings_give_documents() -> None:
    text = partner().model_dump_json()
    assert validate_document("partner", text) == partner()
    assert isinstance(validate_document("partner", partner().model_dump(mode="json")), Partner)


def test_invalid_document_is_a_document_error_with_every_problem() -> None:
    with pytest.raises(DocumentError) as exc:
        validate_document("partner", '{"kind": "robot", "emails": "x"}', document="shop customer 991")
    error = exc.value
    assert isinstance(error, InvalidDocumentError)
    assert error.document == "shop customer 991"
    assert [p.field for p in error.problems] == ["kind", "emails"]
    assert error.field == "kind" and "organisation" in error.reason and "emails:" in error.reason
    assert str(error).startswith("shop customer 991: field 'kind'")


def test_value_error_prefix_is_dropped_from_reasons() -> None:
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document("sales_order", {"currency": "EUR", "sold_to_hub_id": "bp_1",
                                          "order_date": "2024-01-01", "net_value": {"amount": 1.5, "currency": "EUR"}})
    assert exc.value.problems == [FieldProblem(
        "net_value.amount", "floats are not accepted for exact values; pass a string or Decimal")]


def test_model_level_problem_without_path_is_named_document() -> None:
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document("coupon", "[1, 2]")
    assert exc.value.field == "(document)"


def test_unknown_type_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        validate_document("lead", {})

"""Quotations and sales orders: cross-field checks name the exact field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hub.core.model import OrderStatus, PartnerFunctionRole, SalesOrder, validate_document
from hub.core.model.validation import InvalidDocumentError
from hub.testing.samples import ORDER_ID, QUOTATION_ID, quotation, sales_order


def _order_data() -> dict[str, Any]:
    return sales_order().model_dump(mode="json")


def _problem(data: dict[str, Any], doc_type: str = "sales_order") -> InvalidDocumentError:
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document(doc_type, data, document="ORDERS05 4711")
    return exc.value


def test_order_contract_names() -> None:
    order = sales_order()
    assert order.status is OrderStatus.in_process
    assert order.partner(PartnerFunctionRole.contact_person) is not None
    item = order.item(10)
    assert item is not None and item.quantity.value == Decimal("24")
    assert item.schedule_lines[0].confirmed_quantity.value == Decimal("12")
    assert item.taxes[0].rate == Decimal("19")
    assert order.references[0].doc_type == "quotation" and order.references[0].hub_id == QUOTATION_ID
    assert set(OrderStatus) == {"open", "in_process", "completed", "cancelled", "credit_blocked"}


def test_item_currency_must_match_document_currency() -> None:
    data = _order_data()
    data["items"][0]["net_value"]["currency"] = "USD"
    problem = _problem(data)
    assert problem.document == "ORDERS05 4711"
    assert problem.field == "items.0.net_value.currency"
    assert "USD" in problem.reason and "EUR" in problem.reason


def test_gross_must_be_net_plus_tax_exactly() -> None:
    data = _order_data()
    data["gross_value"]["amount"] = "568.93"
    problem = _problem(data)
    assert problem.field == "gross_value.amount" and "478.08" in problem.reason


def test_item_numbers_are_unique() -> None:
    data = _order_data()
    data["items"].append({**data["items"][0]})
    assert _problem(data).field == "items.1"


def test_schedule_line_unit_must_be_the_item_unit() -> None:
    data = _order_data()
    data["items"][0]["schedule_lines"][1]["confirmed_quantity"]["unit"] = "BX"
    assert _problem(data).field == "items.0.schedule_lines.1.confirmed_quantity.unit"


def test_partner_function_needs_some_partner_id() -> None:
    data = _order_data()
    data["partners"].append({"function": "payer"})
    assert _problem(data).field == "partners.3.partner_hub_id"


def test_conditions_need_currency_and_pricing_unit_where_it_matters() -> None:
    data = _order_data()
    del data["items"][0]["conditions"][0]["pricing_unit"]
    assert _problem(data).field == "items.0.conditions.0.pricing_unit"
    data = _order_data()
    data["items"][0]["conditions"][0]["currency"] = None
    assert _problem(data).field == "items.0.conditions.0.currency"


def test_reference_to_an_unknown_document_type_is_refused() -> None:
    data = _order_data()
    data["references"][0]["doc_type"] = "offer"
    problem = _problem(data)
    assert problem.field == "references.0.doc_type" and "quotation" in problem.reason


def test_reference_needs_a_target_and_external_ids_need_their_system() -> None:
    data = _order_data()
    data["references"] = [{"doc_type": "quotation"}]
    assert _problem(data).field == "references.0.hub_id"
    data["references"] = [{"doc_type": "quotation", "external_id": "20000017"}]
    assert _problem(data).field == "references.0.external_system"


def test_negative_quantity_and_item_without_product_are_refused() -> None:
    data = _order_data()
    data["items"][0]["quantity"]["value"] = "-1"
    assert _problem(data).field == "items.0.quantity.value"
    data = _order_data()
    data["items"][0].update(product_hub_id=None, product_external_id=None, description=None)
    assert _problem(data).field == "items.0.product_hub_id"


def test_every_problem_is_listed() -> None:
    data = _order_data()
    data["items"][0]["quantity"]["unit"] = "pieces"
    data["order_date"] = "06.05.2024"
    problem = _problem(data)
    assert {p.field for p in problem.problems} == {"items.0.quantity.unit", "order_date"}
    assert "order_date" in str(problem) and "items.0.quantity.unit" in str(problem)


def test_quotation_validity_cannot_end_before_it_starts() -> None:
    assert quotation().valid_to.isoformat() == "2024-05-30"
    data = quotation().model_dump(mode="json")
    data["valid_to"] = "2024-04-30"
    problem = _problem(data, "quotation")
    assert problem.field == "valid_to" and "2024-05-02" in problem.reason


def test_order_can_be_built_in_python_with_defaults() -> None:
    order = SalesOrder(currency="EUR", sold_to_hub_id="bp_X", order_date="2024-01-02")
    assert order.order_type == "standard" and order.status is OrderStatus.open and order.items == []
    assert sales_order().hub_id == ORDER_ID

"""Billing documents (sign convention, cancellations) and contracts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from hub.core.errors import DocumentError
from hub.core.model import BillingType, validate_document
from hub.core.model.validation import InvalidDocumentError
from hub.testing.samples import billing_document, sales_contract, service_contract


def _field(doc_type: str, data: dict[str, Any]) -> str:
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document(doc_type, data)
    return exc.value.field


def test_invoice_and_credit_memo_signs() -> None:
    invoice = billing_document()
    assert invoice.sign == 1 and invoice.signed_gross().amount == Decimal("284.46")
    assert invoice.open_amount().amount == Decimal("184.46")
    memo = billing_document(billing_type="credit_memo")
    assert memo.gross_value.amount == Decimal("284.46")
    assert memo.signed_gross().amount == Decimal("-284.46")
    assert billing_document(payment_status="paid").open_amount().amount == 0


def test_overdue_means_past_the_due_date_with_something_open() -> None:
    invoice = billing_document()
    assert invoice.due_date is not None and invoice.open_amount().amount > 0
    assert not invoice.is_overdue(invoice.due_date)
    assert invoice.is_overdue(invoice.due_date + timedelta(days=1))
    assert not billing_document(payment_status="cleared").is_overdue(invoice.due_date + timedelta(days=1))
    assert not billing_document(due_date=None).is_overdue(date(2100, 1, 1))


def test_credit_memo_amounts_must_stay_positive() -> None:
    data = billing_document(billing_type="credit_memo").model_dump(mode="json")
    data["items"][0]["net_value"]["amount"] = "-239.04"
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document("billing_document", data)
    assert exc.value.field == "items.0.net_value.amount" and "billing_type gives the sign" in exc.value.reason


def test_cancellation_needs_the_cancelled_document_and_takes_its_opposite_sign() -> None:
    data = billing_document().model_dump(mode="json")
    data["billing_type"] = "cancellation"
    assert _field("billing_document", data) == "cancels"
    data["cancels"] = {"doc_type": "sales_order", "hub_id": "so_1"}
    assert _field("billing_document", data) == "cancels.doc_type"
    data["cancels"] = {"doc_type": "billing_document", "external_system": "erp_sap", "external_id": "0090001234"}
    cancellation = validate_document("billing_document", data)
    with pytest.raises(DocumentError) as exc:
        _ = cancellation.sign
    assert exc.value.field == "cancelled_type"
    data["cancelled_type"] = "credit_memo"
    assert validate_document("billing_document", data).sign == 1


def test_only_cancellations_cancel() -> None:
    data = billing_document().model_dump(mode="json")
    data["cancels"] = {"doc_type": "billing_document", "hub_id": "bd_1"}
    assert _field("billing_document", data) == "cancels"


def test_due_date_and_paid_amount_are_checked() -> None:
    data = billing_document().model_dump(mode="json")
    data["due_date"] = "2024-06-01"
    assert _field("billing_document", data) == "due_date"
    data = billing_document().model_dump(mode="json")
    data["paid_amount"]["amount"] = "300"
    assert _field("billing_document", data) == "paid_amount.amount"
    assert BillingType.cancellation.value == "cancellation"


def test_sales_contract_targets() -> None:
    contract = sales_contract()
    assert contract.is_valid_on(date(2024, 6, 1)) and not contract.is_valid_on(date(2025, 1, 1))
    assert contract.remaining_value() is None
    value = sales_contract(contract_kind="value", target_value={"amount": "50000", "currency": "EUR"},
                           released_value={"amount": "4780.80", "currency": "EUR"})
    assert value.remaining_value().amount == Decimal("45219.20")
    data = sales_contract().model_dump(mode="json")
    data["contract_kind"] = "value"
    assert _field("sales_contract", data) == "target_value"
    data = sales_contract().model_dump(mode="json")
    data["items"][0]["target_quantity"] = None
    data["items"][0]["released_quantity"] = None
    assert _field("sales_contract", data) == "items.0.target_quantity"
    data = sales_contract().model_dump(mode="json")
    data["release_orders"][0]["doc_type"] = "quotation"
    assert _field("sales_contract", data) == "release_orders.0.doc_type"


def test_service_contract_levels_billing_plan_and_meter_readings() -> None:
    contract = service_contract()
    item = contract.items[0]
    assert item.service_level.response_times[0].within == timedelta(hours=4)
    assert [d.billing_date for d in item.billing_plan.due(date(2024, 3, 1))] == [date(2024, 2, 1)]
    assert contract.renewal.auto_renew and contract.valid_to is None
    data = contract.model_dump(mode="json")
    data["items"][0]["usage_billing"]["readings"][1]["reading"]["value"] = "1000"
    assert _field("service_contract", data) == "items.0.usage_billing.readings.1.reading.value"
    data = contract.model_dump(mode="json")
    data["items"][0]["usage_billing"]["readings"][1]["reading"]["unit"] = "MIN"
    assert _field("service_contract", data) == "items.0.usage_billing.readings.1.reading.unit"
    data = contract.model_dump(mode="json")
    data["items"][0]["billing_plan"]["amount"]["currency"] = "CHF"
    assert _field("service_contract", data) == "items.0.billing_plan.dates.0.amount.currency"
    data = contract.model_dump(mode="json")
    data["renewal"] = {"auto_renew": True}
    assert _field("service_contract", data) == "renewal.renewal_months"
    data = contract.model_dump(mode="json")
    data["cancellation"] = {"requested_on": "2024-09-30", "effective_on": "2024-06-30", "by": "customer"}
    assert _field("service_contract", data) == "cancellation.effective_on"

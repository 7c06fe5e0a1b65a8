"""What a web-shop order adds to a sales order: one-time partners (guests, delivery
addresses), payment status, header conditions (freight) and shipments with tracking."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.model import OrderPaymentStatus, PartnerFunctionRole, validate_document
from hub.core.model.validation import InvalidDocumentError
from hub.testing.samples import sales_order

GUEST = {"function": "sold_to", "name": "Jane Roe", "email": " Jane.Roe@Example.COM ", "phone": "+49 30 1234",
         "address": {"kind": "billing", "street": "Hauptstr. 1", "postal_code": "10115", "city": "Berlin",
                     "country": "de"}}


def _order(**changes: Any) -> dict[str, Any]:
    return {**sales_order().model_dump(mode="json"), **changes}


def _problem(data: dict[str, Any]) -> InvalidDocumentError:
    with pytest.raises(InvalidDocumentError) as exc:
        validate_document("sales_order", data, document="shopify:orders/create 1001")
    return exc.value


def _shipment(**changes: Any) -> dict[str, Any]:
    return {"shipment_id": "80012345", "carrier": "DHL", "tracking_number": "00340434161094042557",
            "tracking_url": "https://www.dhl.de/track?id=00340434161094042557",
            "shipped_at": "2024-06-11T08:00:00+02:00",
            "items": [{"item_number": 10, "quantity": {"value": "12", "unit": "PCE"}}], **changes}


def test_a_guest_is_a_one_time_partner_known_by_what_the_order_says() -> None:
    order = validate_document("sales_order", _order(partners=[GUEST]))
    guest = order.partner(PartnerFunctionRole.sold_to)
    assert guest is not None and guest.partner_hub_id is None and guest.external_id is None
    assert guest.email == "Jane.Roe@example.com"
    assert guest.address is not None and guest.address.country == "DE" and guest.address.kind == "billing"


def test_a_delivery_address_rides_along_with_a_known_ship_to() -> None:
    ship_to = {"function": "ship_to", "partner_hub_id": "bp_X", "address": {"city": "Wien", "country": "AT"}}
    order = validate_document("sales_order", _order(partners=[ship_to]))
    assert order.partner(PartnerFunctionRole.ship_to).address.city == "Wien"  # type: ignore[union-attr]


def test_a_partner_function_without_any_partner_is_refused() -> None:
    problem = _problem(_order(partners=[{"function": "ship_to", "phone": "+49 30 1234"}]))
    assert problem.field == "partners.0.partner_hub_id" and "one-time partner" in problem.reason


def test_a_guest_email_must_be_an_email() -> None:
    problem = _problem(_order(partners=[{**GUEST, "email": "jane at example"}]))
    assert problem.field == "partners.0.email" and "not an e-mail address" in problem.reason


def test_payment_status_takes_the_shops_financial_statuses_only() -> None:
    order = validate_document("sales_order", _order(payment_status="partially_refunded"))
    assert order.payment_status is OrderPaymentStatus.partially_refunded
    assert _problem(_order(payment_status="settled")).field == "payment_status"


def test_freight_is_a_header_condition_in_the_document_currency() -> None:
    freight = {"type": "freight", "calculation": "fixed_amount", "rate": "4.90", "currency": "EUR",
               "value": {"amount": "4.90", "currency": "EUR"}}
    order = validate_document("sales_order", _order(conditions=[freight]))
    assert str(order.conditions[0].value.amount) == "4.90"  # type: ignore[union-attr]
    problem = _problem(_order(conditions=[{**freight, "value": {"amount": "4.90", "currency": "USD"}}]))
    assert problem.field == "conditions.0.value.currency"


def test_a_shipment_carries_carrier_tracking_and_the_items_it_ships() -> None:
    order = validate_document("sales_order", _order(shipments=[_shipment()]))
    shipment = order.shipments[0]
    assert (shipment.carrier, shipment.tracking_number) == ("DHL", "00340434161094042557")
    assert shipment.items[0].item_number == 10 and shipment.shipped_at is not None


@pytest.mark.parametrize(("change", "field", "reason"), [
    ({"items": [{"item_number": 20, "quantity": {"value": "1", "unit": "PCE"}}]},
     "shipments.0.items.0.item_number", "no item 20"),
    ({"items": [{"item_number": 10, "quantity": {"value": "1", "unit": "KGM"}}]},
     "shipments.0.items.0.quantity.unit", "differs from the item unit"),
    ({"items": [{"item_number": 10, "quantity": {"value": "0", "unit": "PCE"}}]},
     "shipments.0.items.0.quantity.value", "greater than zero"),
    ({"tracking_number": None}, "shipments.0.tracking_number", "tracking_url needs"),
    ({"shipment_id": None, "tracking_number": None, "tracking_url": None, "items": []},
     "shipments.0.shipment_id", "needs a shipment_id"),
    ({"shipped_at": "2024-06-11T08:00:00"}, "shipments.0.shipped_at", "timezone"),
])
def test_a_shipment_that_does_not_fit_its_order_is_refused(change: dict[str, Any], field: str, reason: str) -> None:
    problem = _problem(_order(shipments=[_shipment(**change)]))
    assert problem.field == field and reason in problem.reason

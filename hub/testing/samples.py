"""Realistic sample documents, one builder per document type, for tests and the demo.

Each builder returns a fresh, valid document with fixed hub ids, so tests can compare
and link them (the order references the quotation, the invoice the order, and so on).
Pass keyword overrides to change top-level fields: ``sales_order(status="completed")``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from hub.core.model import (
    BillingDocument,
    Coupon,
    Delivery,
    Document,
    LoyaltyMembership,
    LoyaltyProgramme,
    Partner,
    PointTransaction,
    Product,
    Quotation,
    RetailTransaction,
    SalesContract,
    SalesOrder,
    ServiceContract,
    StockLevel,
)

CUSTOMER_ID = "bp_01HZX0000000000000000CUST1"
CONTACT_ID = "bp_01HZX0000000000000000CONT1"
PRODUCT_ID = "pr_01HZX0000000000000000PROD1"
SERVICE_PRODUCT_ID = "pr_01HZX0000000000000000SERV1"
QUOTATION_ID = "qt_01HZX0000000000000000QUOT1"
ORDER_ID = "so_01HZX0000000000000000ORDR1"
CONTRACT_ID = "sc_01HZX0000000000000000CTRT1"
PROGRAMME_ID = "lp_01HZX0000000000000000PROG1"
MEMBERSHIP_ID = "lm_01HZX0000000000000000MEMB1"
RETAIL_ID = "rt_01HZX0000000000000000RETL1"
DELIVERY_ID = "dl_01HZX0000000000000000DELV1"
STOCK_ID = "st_01HZX0000000000000000STCK1"

_BERLIN = timezone(timedelta(hours=2))


def _eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def _pce(value: str) -> dict[str, str]:
    return {"value": value, "unit": "PCE"}


def _build(cls: type[Document], data: dict[str, Any], overrides: dict[str, Any]) -> Any:
    return cls.model_validate({**data, **overrides})


def partner(**overrides: Any) -> Partner:
    """A German wholesale customer with VAT id, sales area, contact and a delivery block."""
    return _build(Partner, {
        "hub_id": CUSTOMER_ID,
        "external_ids": [{"system": "erp_sap", "id": "0000100042"}],
        "kind": "organisation", "organisation_name": "Müller Haustechnik GmbH", "language": "de",
        "roles": ["sold_to", "ship_to", "bill_to", "payer"],
        "addresses": [
            {"street": "Friedrichstraße", "house_number": "123", "postal_code": "10117",
             "city": "Berlin", "region": "BE", "country": "DE"},
            {"kind": "delivery", "street": "Lagerweg", "house_number": "7", "postal_code": "14482",
             "city": "Potsdam", "country": "de"},
        ],
        "emails": ["Einkauf@Mueller-Haustechnik.DE"],
        "phones": [{"number": "+49 30 1234567"}, {"number": "+49 30 1234568", "kind": "fax"}],
        "tax_numbers": [{"category": "VAT", "number": "DE123456789"}],
        "sales_areas": [{"sales_org": "1000", "distribution_channel": "10", "division": "00",
                         "currency": "EUR", "payment_terms": "ZB14", "incoterms": "DAP",
                         "incoterms_location": "Potsdam"}],
        "relationships": [{"kind": "has_contact_person", "partner_hub_id": CONTACT_ID}],
        "marketing_attributes": {"industry": "installation", "segment": "B"},
        "blocks": [{"kind": "delivery", "reason": "address check pending"}],
    }, overrides)


def person(**overrides: Any) -> Partner:
    """A contact person of the sample customer, also a loyalty member."""
    return _build(Partner, {
        "hub_id": CONTACT_ID, "kind": "person", "first_name": "Anna", "last_name": "Schmidt",
        "title": "Dr.", "language": "de", "roles": ["contact_person", "loyalty_member"],
        "emails": ["anna.schmidt@example.org"], "phones": [{"number": "+49 170 5550101", "kind": "mobile"}],
        "relationships": [{"kind": "contact_person_of", "partner_hub_id": CUSTOMER_ID}],
    }, overrides)


def product(**overrides: Any) -> Product:
    """A thermostatic valve sold by the piece and by the box of 12."""
    return _build(Product, {
        "hub_id": PRODUCT_ID, "external_ids": [{"system": "erp_sap", "id": "TV-2040"}],
        "kind": "material", "product_group": "VALVES", "base_unit": "PCE", "ean": "4006381333931",
        "descriptions": [{"language": "de", "text": "Thermostatventil DN15"},
                         {"language": "en", "text": "Thermostatic valve DN15"}],
        "conversions": [{"unit": "BX", "numerator": "12", "denominator": "1"}],
        "gross_weight": {"value": "0.345", "unit": "KGM"},
        "list_prices": [{"price": _eur("24.90"), "price_list": "retail", "valid_from": "2024-01-01"}],
    }, overrides)


def _order_items() -> list[dict[str, Any]]:
    return [{
        "item_number": 10, "product_hub_id": PRODUCT_ID, "product_external_id": "TV-2040",
        "description": "Thermostatic valve DN15", "quantity": _pce("24"),
        "net_price": _eur("19.92"), "net_value": _eur("478.08"),
        "conditions": [
            {"type": "base_price", "calculation": "per_quantity", "rate": "24.90", "currency": "EUR",
             "pricing_unit": _pce("1"), "value": _eur("597.60")},
            {"type": "customer_discount", "calculation": "percentage", "rate": "-20", "value": _eur("-119.52")},
        ],
        "taxes": [{"code": "VAT19", "rate": "19", "amount": _eur("90.84"), "base": _eur("478.08")}],
        "schedule_lines": [{"date": "2024-06-10", "quantity": _pce("24"), "confirmed_quantity": _pce("12")},
                           {"date": "2024-06-24", "quantity": _pce("0"), "confirmed_quantity": _pce("12")}],
    }]


def _sales_header() -> dict[str, Any]:
    return {
        "currency": "EUR", "sold_to_hub_id": CUSTOMER_ID, "sales_org": "1000",
        "distribution_channel": "10", "division": "00", "payment_terms": "ZB14", "incoterms": "DAP",
        "partners": [{"function": "sold_to", "partner_hub_id": CUSTOMER_ID, "external_id": "0000100042"},
                     {"function": "ship_to", "partner_hub_id": CUSTOMER_ID},
                     {"function": "contact_person", "partner_hub_id": CONTACT_ID}],
        "items": _order_items(),
        "net_value": _eur("478.08"), "tax_amount": _eur("90.84"), "gross_value": _eur("568.92"),
    }


def quotation(**overrides: Any) -> Quotation:
    """A quotation for 24 valves at 20 % off, valid for four weeks."""
    return _build(Quotation, {
        **_sales_header(), "hub_id": QUOTATION_ID, "quotation_date": "2024-05-02",
        "valid_to": "2024-05-30", "status": "completed",
    }, overrides)


def sales_order(**overrides: Any) -> SalesOrder:
    """The order that follows from the sample quotation, confirmed by the ERP."""
    return _build(SalesOrder, {
        **_sales_header(), "hub_id": ORDER_ID, "external_ids": [{"system": "erp_sap", "id": "0000004711"}],
        "order_date": "2024-05-06", "requested_delivery_date": "2024-06-10",
        "customer_reference": "PO-2024-0815", "status": "in_process", "delivery_status": "partially_delivered",
        "confirmed_at": "2024-05-06T10:15:00+02:00",
        "references": [{"doc_type": "quotation", "hub_id": QUOTATION_ID}],
        "status_history": [{"status": "open", "changed_at": "2024-05-06T09:58:00+02:00"},
                           {"status": "in_process", "changed_at": "2024-05-06T10:15:00+02:00", "system": "erp_sap"}],
    }, overrides)


def sales_contract(**overrides: Any) -> SalesContract:
    """A one-year quantity contract for 1,000 valves, 240 released so far."""
    return _build(SalesContract, {
        "hub_id": CONTRACT_ID, "contract_kind": "quantity", "currency": "EUR", "sold_to_hub_id": CUSTOMER_ID,
        "valid_from": "2024-01-01", "valid_to": "2024-12-31", "sales_org": "1000",
        "items": [{"item_number": 10, "product_hub_id": PRODUCT_ID, "target_quantity": _pce("1000"),
                   "released_quantity": _pce("240"), "net_price": _eur("18.50")}],
        "release_orders": [{"doc_type": "sales_order", "hub_id": ORDER_ID}],
    }, overrides)


def service_contract(**overrides: Any) -> ServiceContract:
    """A heating maintenance contract: 4-hour response, monthly fee, usage by operating hours."""
    return _build(ServiceContract, {
        "hub_id": "svc_01HZX0000000000000000SVC01", "currency": "EUR", "sold_to_hub_id": CUSTOMER_ID,
        "valid_from": "2024-01-01",
        "items": [{
            "item_number": 10, "product_hub_id": SERVICE_PRODUCT_ID, "description": "Heating maintenance",
            "covered_objects": [{"kind": "equipment", "object_id": "EQ-77120", "serial_number": "SN-4418-22",
                                 "description": "Gas boiler, building A"}],
            "service_level": {"code": "GOLD", "service_hours": "Mon-Sat 07:00-20:00",
                              "response_times": [{"priority": "1", "within": "PT4H"},
                                                 {"priority": "3", "within": "P2D"}],
                              "availability_percent": "99.5"},
            "billing_plan": {"frequency": "monthly", "amount": _eur("149.00"), "start_date": "2024-01-01",
                             "dates": [{"billing_date": "2024-01-01", "period_start": "2024-01-01",
                                        "period_end": "2024-01-31", "amount": _eur("149.00"), "billed": True},
                                       {"billing_date": "2024-02-01", "period_start": "2024-02-01",
                                        "period_end": "2024-02-29", "amount": _eur("149.00")}]},
            "usage_billing": {"meter_id": "OPH-77120", "unit": "HUR", "price_per_unit": _eur("0.85"),
                              "included_quantity": {"value": "500", "unit": "HUR"},
                              "readings": [{"read_at": "2024-01-31T23:00:00+00:00",
                                            "reading": {"value": "1210.5", "unit": "HUR"}},
                                           {"read_at": "2024-02-29T23:00:00+00:00",
                                            "reading": {"value": "1688", "unit": "HUR"}, "estimated": True}]},
        }],
        "renewal": {"auto_renew": True, "renewal_months": 12, "notice_days": 90},
    }, overrides)


def billing_document(**overrides: Any) -> BillingDocument:
    """The ERP's invoice for the first 12 valves of the sample order."""
    return _build(BillingDocument, {
        "hub_id": "bd_01HZX0000000000000000BILL1", "external_ids": [{"system": "erp_sap", "id": "0090001234"}],
        "billing_type": "invoice", "billing_date": "2024-06-10", "due_date": "2024-06-24",
        "payer_hub_id": CUSTOMER_ID, "sold_to_hub_id": CUSTOMER_ID, "currency": "EUR",
        "items": [{"item_number": 10, "product_hub_id": PRODUCT_ID, "quantity": _pce("12"),
                   "net_value": _eur("239.04"), "tax_amount": _eur("45.42"),
                   "taxes": [{"code": "VAT19", "rate": "19", "amount": _eur("45.42")}],
                   "reference": {"doc_type": "sales_order", "hub_id": ORDER_ID, "item_number": 10}}],
        "taxes": [{"code": "VAT19", "rate": "19", "amount": _eur("45.42"), "base": _eur("239.04")}],
        "net_value": _eur("239.04"), "tax_amount": _eur("45.42"), "gross_value": _eur("284.46"),
        "payment_status": "partially_paid", "paid_amount": _eur("100.00"),
        "references": [{"doc_type": "sales_order", "hub_id": ORDER_ID},
                       {"doc_type": "sales_contract", "hub_id": CONTRACT_ID}],
    }, overrides)


def loyalty_programme(**overrides: Any) -> LoyaltyProgramme:
    """A store programme: 1 point per euro, silver/gold tiers, 12-month expiry, a partner."""
    return _build(LoyaltyProgramme, {
        "hub_id": PROGRAMME_ID, "code": "CLUB", "name": "Haustechnik Club", "currency": "EUR",
        "valid_from": "2023-01-01",
        "point_types": [{"code": "REWARD", "name": "Reward points",
                         "expiry": {"kind": "end_of_year", "months": 12}},
                        {"code": "STATUS", "name": "Status points", "redeemable": False, "qualifying": True}],
        "tiers": [{"code": "SILVER", "name": "Silver", "rank": 1,
                   "qualification": [{"point_type": "STATUS", "minimum": "500"}]},
                  {"code": "GOLD", "name": "Gold", "rank": 2, "benefits": ["free delivery"],
                   "qualification": [{"point_type": "STATUS", "minimum": "2000"}]}],
        "accrual_rules": [{"code": "BASE", "point_type": "REWARD", "basis": "amount_spent", "points": "1",
                           "per_amount": _eur("1.00")},
                          {"code": "GOLD-BONUS", "point_type": "REWARD", "basis": "amount_spent", "points": "0.5",
                           "per_amount": _eur("1.00"), "tier_codes": ["GOLD"]},
                          {"code": "FUEL", "point_type": "REWARD", "basis": "quantity", "points": "1",
                           "partner_hub_id": "bp_01HZX0000000000000000FUEL1"}],
        "redemption_rules": [{"code": "VOUCHER5", "point_type": "REWARD", "points": "500", "value": _eur("5.00")}],
        "partners": [{"partner_hub_id": "bp_01HZX0000000000000000FUEL1", "name": "FuelCo", "point_type": "REWARD"}],
    }, overrides)


def loyalty_membership(**overrides: Any) -> LoyaltyMembership:
    """The sample person's gold membership with one card and two point accounts."""
    return _build(LoyaltyMembership, {
        "hub_id": MEMBERSHIP_ID, "programme_hub_id": PROGRAMME_ID, "partner_hub_id": CONTACT_ID,
        "membership_number": "700012345", "enrolled_on": "2023-03-15", "tier_code": "GOLD",
        "tier_valid_to": "2024-12-31",
        "cards": [{"card_number": "9276001234567890", "issued_on": "2023-03-15"},
                  {"card_number": "9276009999999999", "status": "lost", "issued_on": "2023-03-01"}],
        "point_accounts": [{"point_type": "REWARD", "balance": "1234.5", "earned_total": "1734.5",
                            "redeemed_total": "500", "expiring": [{"points": "300", "expires_on": "2024-12-31"}]},
                           {"point_type": "STATUS", "balance": "2410", "earned_total": "2410"}],
    }, overrides)


def point_transaction(**overrides: Any) -> PointTransaction:
    """Points earned on the sample retail transaction (base rule plus gold bonus)."""
    return _build(PointTransaction, {
        "hub_id": "pt_01HZX0000000000000000PNTS1", "membership_hub_id": MEMBERSHIP_ID,
        "programme_hub_id": PROGRAMME_ID, "point_type": "REWARD", "kind": "accrual", "points": "78",
        "occurred_at": datetime(2024, 5, 18, 11, 42, 7, tzinfo=_BERLIN), "card_number": "9276001234567890",
        "rule_code": "BASE", "expires_on": "2025-12-31", "basis_amount": _eur("52.48"),
        "retail_transaction_hub_id": RETAIL_ID,
        "source": {"doc_type": "retail_transaction", "hub_id": RETAIL_ID},
    }, overrides)


def coupon(**overrides: Any) -> Coupon:
    """A personal 5-euro coupon bought with 500 points."""
    return _build(Coupon, {
        "hub_id": "cp_01HZX0000000000000000COUP1", "code": "CLUB-5-XK3F9", "kind": "amount_off",
        "amount": _eur("5.00"), "minimum_purchase": _eur("25.00"), "points_cost": "500",
        "programme_hub_id": PROGRAMME_ID, "partner_hub_id": CONTACT_ID, "membership_hub_id": MEMBERSHIP_ID,
        "valid_from": "2024-05-01", "valid_to": "2024-07-31",
    }, overrides)


def retail_transaction(**overrides: Any) -> RetailTransaction:
    """A store sale: two lines (one discounted by coupon), paid by card and cash."""
    return _build(RetailTransaction, {
        "hub_id": RETAIL_ID, "store_id": "S042", "till_id": "03", "business_day": "2024-05-18",
        "transaction_number": "000815", "operator_id": "1107",
        "started_at": "2024-05-18T11:40:55+02:00", "ended_at": "2024-05-18T11:42:07+02:00",
        "currency": "EUR",
        "lines": [
            {"line_number": 1, "product_external_id": "4006381333931", "product_hub_id": PRODUCT_ID,
             "description": "Thermostatic valve DN15", "quantity": _pce("2"), "unit_price": _eur("24.90"),
             "discounts": [{"reason": "coupon", "amount": _eur("5.00"), "coupon_code": "CLUB-5-XK3F9"}],
             "amount": _eur("44.80"), "taxes": [{"code": "VAT19", "rate": "19", "amount": _eur("7.15")}]},
            {"line_number": 2, "product_external_id": "4011200296908", "description": "PTFE sealing tape",
             "quantity": _pce("1"), "unit_price": _eur("7.68"), "amount": _eur("7.68")},
        ],
        "tenders": [{"kind": "card", "amount": _eur("40.00"), "card_brand": "girocard", "card_masked": "****4321"},
                    {"kind": "cash", "amount": _eur("20.00")}],
        "change_given": _eur("7.52"), "total": _eur("52.48"), "tax_total": _eur("8.38"),
        "loyalty_card_number": "9276001234567890", "customer_hub_id": CONTACT_ID,
        "membership_hub_id": MEMBERSHIP_ID, "coupon_codes": ["CLUB-5-XK3F9"],
    }, overrides)


def delivery(**overrides: Any) -> Delivery:
    """The ERP's delivery of the first 12 valves of the sample order, sent with DHL."""
    return _build(Delivery, {
        "hub_id": DELIVERY_ID, "external_ids": [{"system": "erp_sap", "id": "80004711"}],
        "delivery_number": "80004711", "sold_to_hub_id": CUSTOMER_ID,
        "references": [{"doc_type": "sales_order", "hub_id": ORDER_ID, "external_system": "erp_sap",
                        "external_id": "4711"}],
        "carrier": "DHL", "tracking_number": "JJD000390007718200", "planned_date": "2024-06-10",
        "shipped_at": "2024-06-07T14:05:00+02:00",
        "items": [{"item_number": 10, "order_item_number": 10, "product_hub_id": PRODUCT_ID,
                   "product_external_id": "TV-2040", "quantity": _pce("12")}],
    }, overrides)


def stock_level(**overrides: Any) -> StockLevel:
    """Unrestricted stock of the sample valve in plant 1000, storage location 0001."""
    return _build(StockLevel, {
        "hub_id": STOCK_ID, "external_ids": [{"system": "erp_sap", "id": "TV-2040/1000/0001"}],
        "product_hub_id": PRODUCT_ID, "product_external_id": "TV-2040", "location": "1000",
        "storage_location": "0001", "available": _pce("340"), "blocked": _pce("6"),
        "as_of": "2024-06-07T18:00:00+02:00",
    }, overrides)


SAMPLES: dict[str, Callable[..., Document]] = {
    "partner": partner,
    "product": product,
    "quotation": quotation,
    "sales_order": sales_order,
    "sales_contract": sales_contract,
    "service_contract": service_contract,
    "billing_document": billing_document,
    "loyalty_programme": loyalty_programme,
    "loyalty_membership": loyalty_membership,
    "point_transaction": point_transaction,
    "coupon": coupon,
    "retail_transaction": retail_transaction,
    "delivery": delivery,
    "stock_level": stock_level,
}
"""One builder per doc_type; every type in DOCUMENT_TYPES has one (a test checks)."""


def sample(doc_type: str, **overrides: Any) -> Document:
    """The sample document of ``doc_type`` (with top-level ``overrides``)."""
    return SAMPLES[doc_type](**overrides)

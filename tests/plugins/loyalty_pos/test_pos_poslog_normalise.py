"""What one POSLog transaction becomes, dialect by dialect, and the problems that name
their element: the normaliser and line-item reader, through the codec."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pos_fixtures import parse

from hub.core.raw import RawDocument

NRF = "http://www.nrf-arts.org/IXRetail/namespace/"
HEADER = ("<BusinessUnit><UnitID>S1</UnitID></BusinessUnit><WorkstationID>2</WorkstationID>"
          "<SequenceNumber>3</SequenceNumber><BusinessDayDate>2024-05-18</BusinessDayDate>"
          "<EndDateTime>2024-05-18T10:00:00</EndDateTime>")
SALE = ("<LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>A</ItemID>"
        "<ActualSalesUnitPrice>2.50</ActualSalesUnitPrice><ExtendedAmount>5.00</ExtendedAmount>"
        "<Quantity>2</Quantity></Sale></LineItem>")
TOTAL = '<Total TotalType="TransactionGrandAmount">5.00</Total>'


def one(body: str, attributes: str = "", header: str = HEADER, **settings: Any) -> RawDocument:
    payload = f'<POSLog xmlns="{NRF}"><Transaction {attributes}>{header}{body}</Transaction></POSLog>'
    (document,) = parse(payload.encode(), "t.xml", **settings)
    return document


def shape(body: str, attributes: str = "", header: str = HEADER, **settings: Any) -> dict[str, Any]:
    document = one(body, attributes, header, **settings)
    assert document.message_type == "POSLog", document.body
    return dict(document.body)


def problem(body: str, attributes: str = "", header: str = HEADER) -> tuple[str, str]:
    document = one(body, attributes, header)
    assert document.message_type == "POSLog.rejected"
    return document.body["element"], document.body["reason"]


def retail(*parts: str) -> str:
    return "<RetailTransaction>" + "".join(parts) + "</RetailTransaction>"


def test_times_without_offset_are_the_stores_and_the_business_day_can_follow_from_them() -> None:
    assert shape(retail(SALE, TOTAL))["ended_at"] == "2024-05-18T10:00:00+02:00"
    assert shape(retail(SALE, TOTAL), zone="America/New_York")["ended_at"] == "2024-05-18T10:00:00-04:00"
    header = HEADER.replace("<BusinessDayDate>2024-05-18</BusinessDayDate>", "").replace(
        "2024-05-18T10:00:00", "2024-05-18T23:30:00-07:00")
    assert shape(retail(SALE, TOTAL), header=header)["business_day"] == "2024-05-19"
    header = HEADER.replace("2024-05-18</BusinessDayDate>", "2024-05-18T00:00:00</BusinessDayDate>")
    assert shape(retail(SALE, TOTAL), header=header)["business_day"] == "2024-05-18"


def test_older_and_alternative_names() -> None:
    header = ("<RetailStoreID>S9</RetailStoreID><TillID>7</TillID><TransactionID>tx-1</TransactionID>"
              '<POSLogDateTime TypeCode="Transaction">2024-05-18T09:00:00Z</POSLogDateTime>')
    found = shape(retail(SALE, TOTAL), header=header)
    assert (found["store"], found["workstation"], found["sequence_number"], found["business_day"]) == \
        ("S9", "7", "tx-1", "2024-05-18")
    assert found["ended_at"] == "2024-05-18T09:00:00+00:00" and found["currency"] == "EUR"
    old = shape(SALE + TOTAL + "<TrainingModeFlag>1</TrainingModeFlag>")
    assert old["training"] is True and old["lines"][0]["item_id"] == "A"
    assert shape(retail(SALE, TOTAL), currency="CHF")["currency"] == "CHF"


def test_flags_and_status() -> None:
    assert shape(retail(SALE, TOTAL), 'TrainingModeFlag="True"')["training"] is True
    assert shape(retail(SALE), 'CancelFlag="true"')["status"] == "cancelled"
    assert shape(retail(SALE, TOTAL), 'SuspendedFlag="1"')["status"] == "suspended"
    assert shape(retail(SALE, TOTAL), 'VoidFlag="true"')["type"] == "void"
    postvoided = shape(retail(SALE, TOTAL).replace("<RetailTransaction>",
                                                   '<RetailTransaction TransactionStatus="PostVoided">'))
    assert postvoided["type"] == "void"
    assert problem(retail(SALE, TOTAL), 'TrainingModeFlag="maybe"') == \
        ("Transaction (XML line 1)", "attribute TrainingModeFlag: 'maybe' is not true or false")


def test_control_transactions_and_a_no_sale() -> None:
    assert (shape("<ControlTransaction><ReasonCode>7</ReasonCode><TillLoan/></ControlTransaction>")["control_action"]
            == "TillLoan")
    assert shape("<ControlTransaction><ReasonCode>Settle</ReasonCode></ControlTransaction>")["control_action"] \
        == "Settle"
    assert shape("<TenderControlTransaction><TenderPickup/></TenderControlTransaction>")["control_action"] \
        == "TenderControlTransaction"
    no_sale = shape("<ControlTransaction><NoSale/></ControlTransaction>")
    assert (no_sale["type"], no_sale["control_action"], no_sale["total"]) == ("no_sale", None, 0)
    assert problem("<Foo/>") == ("Transaction (XML line 1)",
                                 "no RetailTransaction, ControlTransaction or other transaction in it")


def test_signs_modifiers_and_prices() -> None:
    returned = SALE.replace("Sale>", "Return>").replace(">5.00<", ">-5.00<").replace(">2<", ">-2<")
    line = shape(retail(returned, TOTAL.replace("5.00", "-5.00")))["lines"][0]
    assert (line["kind"], line["quantity"], line["amount"], line["unit_price"]) == \
        ("return", 2, Decimal("5.00"), Decimal("2.50"))
    negative = shape(retail(SALE.replace(">2<", ">-2<"), TOTAL))["lines"][0]
    assert negative["quantity"] == -2 and negative["kind"] == "sale"
    surcharge = SALE.replace("</Sale>", '<RetailPriceModifier><Amount Action="Add">0.30</Amount>'
                                        "<ReasonCode>DEPOSIT</ReasonCode></RetailPriceModifier></Sale>")
    line = shape(retail(surcharge, TOTAL))["lines"][0]
    assert line["discounts"] == [{"reason": "DEPOSIT", "amount": Decimal("-0.30"), "coupon": None,
                                  "currency": "EUR"}]
    assert line["amount"] == Decimal("5.30")
    regular_only = SALE.replace("ActualSalesUnitPrice", "RegularSalesUnitPrice")
    assert shape(retail(regular_only, TOTAL))["lines"][0]["unit_price"] == Decimal("2.50")
    no_extended = SALE.replace("<ExtendedAmount>5.00</ExtendedAmount>", "")
    assert shape(retail(no_extended, TOTAL))["lines"][0]["amount"] == Decimal("5.00")


@pytest.mark.parametrize(("body", "header", "element", "reason"), [
    (retail(SALE, TOTAL), HEADER.replace("<BusinessUnit><UnitID>S1</UnitID></BusinessUnit>", ""),
     "Transaction (XML line 1)", "BusinessUnit/UnitID (or RetailStoreID) is missing"),
    (retail(SALE, TOTAL), HEADER.replace("<WorkstationID>2</WorkstationID>", ""),
     "Transaction (XML line 1)", "WorkstationID is missing"),
    (retail(SALE, TOTAL), HEADER.replace("<EndDateTime>2024-05-18T10:00:00</EndDateTime>", ""),
     "Transaction (XML line 1)", "EndDateTime is missing (nor is there a POSLogDateTime, ReceiptDateTime or"
                                 " BeginDateTime to take instead)"),
    (retail(SALE, TOTAL), HEADER.replace("2024-05-18T10:00:00", "18.05.2024 10:00"),
     "Transaction/EndDateTime (XML line 1)", "'18.05.2024 10:00' is not a date and time YYYY-MM-DDThh:mm:ss"),
    (retail(SALE, TOTAL), HEADER.replace("2024-05-18T10:00:00", "0001-01-01T00:10:00+05:00"),
     "Transaction/EndDateTime (XML line 1)", "'0001-01-01T00:10:00+05:00' is out of the range of dates"),
    (retail(SALE, TOTAL), HEADER.replace("<BusinessDayDate>2024-05-18", "<BusinessDayDate>2024-05-32"),
     "Transaction/BusinessDayDate (XML line 1)", "'2024-05-32' is not a date YYYY-MM-DD"),
    (retail(SALE), HEADER, "Transaction/RetailTransaction (XML line 1)",
     "no Total with TotalType TransactionGrandAmount"),
    (retail(SALE, TOTAL.replace("5.00", "5,00")), HEADER,
     "Transaction/RetailTransaction/Total[TransactionGrandAmount] (XML line 1)", "'5,00' is not a decimal number"),
    (retail(SALE.replace("<SequenceNumber>1<", "<SequenceNumber>first<"), TOTAL), HEADER,
     "Transaction/RetailTransaction/LineItem#1/SequenceNumber (XML line 1)", "'first' is not a whole number"),
    (retail(SALE.replace("<ActualSalesUnitPrice>2.50</ActualSalesUnitPrice>", ""), TOTAL), HEADER,
     "Transaction/RetailTransaction/LineItem[1]/Sale (XML line 1)",
     "no price: ActualSalesUnitPrice, RegularSalesUnitPrice or UnitListPrice is needed"),
    (retail(SALE, "<LineItem><SequenceNumber>2</SequenceNumber><Tender><Amount>5</Amount></Tender></LineItem>",
            TOTAL), HEADER, "Transaction/RetailTransaction/LineItem[2]/Tender (XML line 1)",
     "a tender needs its TenderType"),
    (retail(SALE, '<LineItem><Tender TenderType="Cash"><Amount>1e3</Amount></Tender></LineItem>', TOTAL), HEADER,
     "Transaction/RetailTransaction/LineItem[2]/Tender/Amount (XML line 1)", "'1e3' is not a decimal number"),
])
def test_a_value_that_cannot_be_read_is_named_at_its_element(body: str, header: str, element: str,
                                                             reason: str) -> None:
    assert problem(body, header=header) == (element, reason)


def test_the_rejected_transaction_is_named_as_far_as_it_was_read() -> None:
    document = one(retail(SALE.replace(">2<", ">two<"), TOTAL))
    assert (document.document_id, document.body["transaction"]) == ("S1/2/2024-05-18/3", "S1/2/2024-05-18/3")
    headless = one(retail(SALE, TOTAL), header="<WorkstationID>2</WorkstationID>")
    assert headless.document_id == "t.xml#1" and headless.body["transaction"] == "?/2/?/?"

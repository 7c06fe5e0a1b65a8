"""The JSON codec: one transaction of the documented shape, exact numbers, named by its
identity, refused whole when it cannot be named."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pos_fixtures import DATA, MALFORMED

from hub.api import DocumentError
from plugins.loyalty_pos.json_codec import accepts_json, read_json

SALE = (DATA / "transaction_sale.json").read_bytes()


def test_it_reads_one_transaction_with_exact_numbers() -> None:
    (document,) = read_json(SALE, "till.json")
    assert (document.system, document.message_type, document.format) == ("loyalty_pos", "pos_transaction", "json")
    assert document.document_id == document.dedupe_key == "S042/07/2024-05-18/20931"
    assert document.payload == SALE and document.source == "till.json"
    line = document.body["lines"][0]
    assert line["unit_price"] == Decimal("24.90") and isinstance(line["unit_price"], Decimal)
    assert line["quantity"] == 2 and document.body["tenders"][1]["points"] == 500
    assert line["currency"] == "EUR" and line["discounts"][0]["currency"] == "EUR"
    assert document.body["tenders"][0]["currency"] == "EUR"
    assert b'"currency": "EUR"' not in SALE.split(b'"lines"')[1]


def test_whole_numbers_name_a_transaction_too() -> None:
    data = json.loads(SALE)
    data.update(store=42, workstation=7, sequence_number=20931)
    (document,) = read_json(json.dumps(data).encode(), "till.json")
    assert document.document_id == "42/7/2024-05-18/20931"


@pytest.mark.parametrize(("change", "field", "reason"), [
    ({"pos_transaction": 2}, "pos_transaction", "must be 1 (the version of the transaction shape), not 2"),
    ({"pos_transaction": None}, "pos_transaction", "must be 1 (the version of the transaction shape), not None"),
    ({"store": None}, "store", "required, as text"),
    ({"workstation": " "}, "workstation", "required, as text, not ' '"),
    ({"sequence_number": 1.5}, "sequence_number", "required, as text, not Decimal('1.5')"),
    ({"sequence_number": True}, "sequence_number", "required, as text, not True"),
    ({"business_day": "18.05.2024"}, "business_day", "'18.05.2024' is not a date YYYY-MM-DD"),
    ({"business_day": "2024-02-30"}, "business_day", "'2024-02-30' is not a date YYYY-MM-DD"),
])
def test_a_transaction_it_cannot_name_is_refused(change: dict[str, object], field: str, reason: str) -> None:
    data = json.loads(SALE, parse_float=Decimal)
    data.update(change)
    with pytest.raises(DocumentError) as refused:
        list(read_json(json.dumps(data, default=str).encode().replace(b'"1.5"', b"1.5"), "till.json"))
    assert (refused.value.document, refused.value.field, refused.value.reason) == ("till.json", field, reason)


@pytest.mark.parametrize(("payload", "reason"), [
    (b"[1, 2]", "a transaction is a JSON object"),
    (b'{"pos_transaction": 1,', "not JSON: Expecting property name enclosed in double quotes: line 1 column 23"
                                " (char 22)"),
    (b"\xff\xfe{", "not JSON: "),
    ((MALFORMED / "nan.json").read_bytes(), "not JSON: NaN is not a number"),
])
def test_what_is_not_a_json_object_is_refused(payload: bytes, reason: str) -> None:
    with pytest.raises(DocumentError) as refused:
        list(read_json(payload, "till.json"))
    assert refused.value.reason.startswith(reason) and refused.value.field == "(payload)"


def test_it_accepts_only_json_marked_as_a_transaction() -> None:
    assert accepts_json(SALE[:4096], "till.json")
    assert accepts_json(b'  {"pos_transaction" : 1}', "x")
    assert not accepts_json(b'{"id": 820982911946154508, "email": "jon@example.com"}', "orders-create.json")
    assert not accepts_json(b'<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/"/>', "day.xml")
    assert not accepts_json(b'["pos_transaction"]', "x")

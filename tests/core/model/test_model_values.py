"""Exact decimals, aware timestamps and ISO codes, as every document type uses them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from hub.core.model import Money, Quantity, SalesOrder
from hub.testing.samples import point_transaction, sales_order


def _locations(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [".".join(str(p) for p in e["loc"]) for e in exc.value.errors()]


def test_decimal_sums_stay_exact() -> None:
    a, b = Money(amount="0.1", currency="EUR"), Money(amount="0.2", currency="EUR")
    assert a.amount + b.amount == Decimal("0.3")
    assert Money(amount=a.amount + b.amount, currency="EUR").model_dump(mode="json") == {
        "amount": "0.3", "currency": "EUR"}


@pytest.mark.parametrize("text", ["12.345", "0.10", "-5", "1234567890123456789.123456789"])
def test_decimal_text_survives_a_round_trip_digit_for_digit(text: str) -> None:
    money = Money(amount=text, currency="EUR")
    again = Money.model_validate_json(money.model_dump_json())
    assert str(again.amount) == text


def test_floats_are_refused_from_python_and_from_json() -> None:
    with pytest.raises(ValidationError) as python_exc:
        Money(amount=0.1, currency="EUR")
    assert "floats are not accepted" in str(python_exc.value)
    with pytest.raises(ValidationError) as json_exc:
        Quantity.model_validate_json('{"value": 1.5, "unit": "PCE"}')
    assert _locations(json_exc) == ["value"]


def test_whole_json_numbers_are_accepted_as_exact() -> None:
    assert Quantity.model_validate_json('{"value": 12, "unit": "PCE"}').value == Decimal(12)


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "twelve"])
def test_non_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        Money(amount=bad, currency="EUR")


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        point_transaction(occurred_at=datetime(2024, 5, 18, 11, 42))
    assert _locations(exc) == ["occurred_at"]
    assert "timezone" in exc.value.errors()[0]["msg"]
    with pytest.raises(ValidationError):
        sales_order(confirmed_at="2024-05-06T10:15:00")


def test_currency_codes_are_normalised_and_checked() -> None:
    assert Money(amount="1", currency=" eur ").currency == "EUR"
    for bad in ("EURO", "E1R", ""):
        with pytest.raises(ValidationError) as exc:
            Money(amount="1", currency=bad)
        assert "ISO 4217" in str(exc.value)


def test_country_codes_are_normalised_and_checked() -> None:
    from hub.core.model import Address

    assert Address(city="Wien", country="at").country == "AT"
    with pytest.raises(ValidationError) as exc:
        Address(city="Wien", country="AUT")
    assert _locations(exc) == ["country"] and "ISO 3166" in str(exc.value)


def test_unit_codes_are_checked_with_the_field_path() -> None:
    data = sales_order().model_dump(mode="json")
    data["items"][0]["quantity"]["unit"] = "pieces"
    with pytest.raises(ValidationError) as exc:
        SalesOrder.model_validate(data)
    assert _locations(exc) == ["items.0.quantity.unit"]


def test_unknown_fields_are_refused() -> None:
    data = sales_order().model_dump(mode="json")
    data["items"][0]["colour"] = "red"
    with pytest.raises(ValidationError) as exc:
        SalesOrder.model_validate(data)
    assert _locations(exc) == ["items.0.colour"]

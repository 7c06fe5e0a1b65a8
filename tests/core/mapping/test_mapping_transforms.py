"""Every transform both ways, with the edge cases SAP data brings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from hub.core.mapping.money import decimal_places, plain_decimal, to_places
from hub.core.mapping.transforms import build_transform, parse_spec


def t(spec: str, sources: int = 1):
    name, args = parse_spec(spec)
    return build_transform(name, args, sources)


@pytest.mark.parametrize("text, value", [
    ("20240229", date(2024, 2, 29)), ("19991231", date(1999, 12, 31)),
])
def test_sap_date_both_ways(text, value):
    assert t("sap_date").inbound(text) == value
    assert t("sap_date").outbound(value) == text


@pytest.mark.parametrize("empty", ["00000000", "", "   "])
def test_sap_date_empty_means_no_date(empty):
    assert t("sap_date").inbound(empty) is None


@pytest.mark.parametrize("bad, reason", [("20230229", "not a valid date"), ("2024-01-01", "YYYYMMDD"),
                                         ("2024011", "YYYYMMDD")])
def test_sap_date_bad_values_are_refused(bad, reason):
    with pytest.raises(ValueError, match=reason):
        t("sap_date").inbound(bad)


def test_sap_time_both_ways_and_errors():
    assert t("sap_time").inbound("235959") == time(23, 59, 59)
    assert t("sap_time").inbound("000000") == time(0, 0)
    assert t("sap_time").outbound(time(7, 5, 3)) == "070503"
    with pytest.raises(ValueError, match="valid time"):
        t("sap_time").inbound("246000")


def test_sap_timestamp_reads_date_and_time_in_the_erps_zone_and_writes_them_back():
    berlin = t("sap_timestamp(Europe/Berlin)", 2)
    moment = berlin.inbound(["20240607", "140500"])
    assert moment == datetime(2024, 6, 7, 12, 5, tzinfo=UTC)
    assert berlin.outbound(datetime(2024, 6, 7, 12, 5, tzinfo=UTC)) == ["20240607", "140500"]
    assert t("sap_timestamp", 2).inbound(["20240607", None]) == datetime(2024, 6, 7, tzinfo=UTC)
    assert t("sap_timestamp", 2).inbound(["00000000", "120000"]) is None
    assert t("sap_timestamp").inbound("20240607") == datetime(2024, 6, 7, tzinfo=UTC)
    assert t("sap_timestamp").outbound(datetime(2024, 6, 7, 23, 0, tzinfo=timezone(timedelta(hours=-2)))) == "20240608"
    with pytest.raises(ValueError, match="timezone-aware"):
        t("sap_timestamp", 2).outbound(datetime(2024, 6, 7))
    with pytest.raises(ValueError, match="unknown time zone"):
        t("sap_timestamp(Mars/Olympus)", 2)


@pytest.mark.parametrize("text, value, back", [
    ("12.50-", Decimal("-12.50"), "12.50-"), ("12.50", Decimal("12.50"), "12.50"),
    ("-3.1", Decimal("-3.1"), "3.1-"), (" 0.000 ", Decimal("0.000"), "0.000"),
    ("1E+3", Decimal("1E+3"), "1000"),
])
def test_sap_number_trailing_minus(text, value, back):
    assert t("sap_number").inbound(text) == value
    assert t("sap_number").outbound(value) == back


def test_sap_number_refuses_garbage_and_floats():
    with pytest.raises(ValueError, match="not a number"):
        t("sap_number").inbound("12,5x")
    with pytest.raises(ValueError, match="exact"):
        t("sap_number").outbound(1.5)


@pytest.mark.parametrize("text, value", [("1.234,56", Decimal("1234.56")), ("-0,5", Decimal("-0.5")),
                                         ("7,00-", Decimal("-7.00"))])
def test_decimal_comma(text, value):
    assert t("decimal_comma").inbound(text) == value
    assert t("decimal_comma").inbound(t("decimal_comma").outbound(value)) == value


@pytest.mark.parametrize("text, inbound, outbound", [
    ("0000012345", "12345", "0000012345"), ("0000000000", "0", "0000000000"),
    ("AB-17", "AB-17", "AB-17"), ("007", "7", "0000000007"),
])
def test_alpha_conversion(text, inbound, outbound):
    assert t("alpha").inbound(text) == inbound
    assert t("alpha").outbound(inbound) == outbound


def test_alpha_with_length_and_overflow():
    assert t("alpha(6)").outbound("10") == "000010"
    with pytest.raises(ValueError, match="longer"):
        t("alpha(3)").outbound("12345")


def test_integer_trim_upper_lower_flag_iso_date():
    assert t("integer").inbound("000010") == 10 and t("integer").outbound(10) == "10"
    assert t("trim").inbound("  ACME  ") == "ACME" and t("trim").inbound("   ") is None
    assert t("upper").inbound("pce") == "PCE" and t("lower").inbound("DE") == "de"
    assert t("sap_flag").inbound("X") is True and t("sap_flag").inbound("") is False
    assert t("sap_flag").outbound(True) == "X" and t("sap_flag").outbound(False) is None
    assert t("iso_date").inbound("2024-05-01T10:00:00Z") == date(2024, 5, 1)
    assert t("iso_date").outbound(date(2024, 5, 1)) == "2024-05-01"


def test_join_and_its_reverse_split():
    join = t("join(' ')", sources=2)
    assert join.inbound(["ACME", "GmbH Berlin"]) == "ACME GmbH Berlin"
    assert join.inbound(["ACME", None]) == "ACME"
    assert join.outbound("ACME GmbH Berlin") == ["ACME", "GmbH Berlin"]
    assert join.outbound("ACME") == ["ACME", ""]


def test_split_is_not_reversible():
    split = t("split(',', 1)")
    assert split.inbound("Main St 1, Berlin") == "Berlin"
    assert split.inbound("no comma") is None
    assert split.outbound is None


@pytest.mark.parametrize("spec, message", [
    ("nosuch", "unknown transform 'nosuch'"), ("alpha(x)", "whole number"), ("trim(1)", "no arguments"),
    ("join(' ')", "at least two source paths"), ("split(',')", "two arguments"), ("alpha(10", "parenthesis"),
])
def test_bad_transform_specs(spec, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        t(spec)


@pytest.mark.parametrize("currency, places", [("EUR", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)])
def test_decimal_places_per_currency(currency, places):
    assert decimal_places(currency) == places


def test_to_places_is_lossless_or_refuses():
    assert str(to_places(Decimal("12.5"), 2, "EUR")) == "12.50"
    assert str(to_places(Decimal("1000.00"), 0, "JPY")) == "1000"
    with pytest.raises(ValueError, match="more decimal places than JPY"):
        to_places(Decimal("1000.5"), 0, "JPY")
    with pytest.raises(ValueError, match="exact"):
        plain_decimal(0.1)

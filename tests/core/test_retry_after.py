"""Retry-After read in both of HTTP's forms, and never an error for a header that cannot be read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.core.retry_after import retry_after_seconds

NOW = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "seconds"), [
    ("120", 120.0), (" 7 ", 7.0), ("0", 0.0), ("1.5", 1.5),
    ("Wed, 21 Oct 2026 07:29:30 GMT", 90.0),
    ("Wednesday, 21-Oct-26 07:29:30 GMT", 90.0),
    ("Wed Oct 21 07:29:30 2026", 90.0),
    ("Wed, 21 Oct 2026 07:00:00 GMT", 0.0),
])
def test_seconds_and_dates_are_read(value: str, seconds: float) -> None:
    assert retry_after_seconds(value, now=NOW) == seconds


@pytest.mark.parametrize("value", [None, "", "  ", "soon", "-5", "nan", "inf", "Wed, 99 Foo 2026"])
def test_no_or_unreadable_header_is_none(value: str | None) -> None:
    assert retry_after_seconds(value, now=NOW) is None

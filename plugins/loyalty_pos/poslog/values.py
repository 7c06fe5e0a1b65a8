"""POSLog's simple types read from element text: decimals, whole numbers, flags, dates, times.

XML Schema spells them strictly (``xs:decimal`` has no exponent and no decimal comma,
``xs:boolean`` is ``true``/``false``/``1``/``0``); POS systems mostly keep to that, and
where they do not, the value is refused rather than guessed. Each function raises
``ValueError`` with a reason the caller places at its element.

Times: POSLog 6.0 usually writes local time without a UTC offset. Such a time is
taken in the stores' time zone (``[plugins.loyalty_pos] timezone``); a time that
carries an offset keeps it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_FLAGS = {"true": True, "1": True, "false": False, "0": False}


def decimal(text: str) -> Decimal:
    """An ``xs:decimal``, exactly."""
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"{text!r} is not a decimal number")
    return Decimal(text)


def integer(text: str) -> int:
    """An ``xs:integer``."""
    if not _INTEGER.fullmatch(text):
        raise ValueError(f"{text!r} is not a whole number")
    return int(text)


def flag(text: str) -> bool:
    """An ``xs:boolean`` (POS systems also write ``True``/``False``)."""
    value = _FLAGS.get(text.strip().lower())
    if value is None:
        raise ValueError(f"{text!r} is not true or false")
    return value


def day(text: str) -> date:
    """An ``xs:date``; a date-time is cut to its date (some POS write BusinessDayDate so)."""
    if len(text) < 10 or (len(text) > 10 and text[10] not in "T "):
        raise ValueError(f"{text!r} is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{text!r} is not a date YYYY-MM-DD") from None


def moment(text: str, zone: tzinfo) -> datetime:
    """An ``xs:dateTime``, in ``zone`` when it has no UTC offset of its own."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time YYYY-MM-DDThh:mm:ss") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text!r} is out of the range of dates") from None
    return value

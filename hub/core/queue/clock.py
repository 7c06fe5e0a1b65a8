"""Wall-clock times of the delivery hot path, as epoch seconds, and their text forms.

A worker stamps every message twice (attempt started, attempt finished) and writes a
finish time; at 10,000+ messages a second ``datetime.now``, ``isoformat`` and the
column conversion were a visible share of a batch. Times are therefore taken with
``time.time()`` and turned into text here, with the date-and-second part computed
once per second (messages delivered within one second share it).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

_UTC = UTC
_cached: tuple[int, str, str] = (-1, "", "")


def _split(epoch: float) -> tuple[int, int]:
    """Whole seconds and microseconds (rounded, as ``datetime.fromtimestamp`` does)."""
    second = int(epoch)
    micro = round((epoch - second) * 1_000_000)
    if micro == 1_000_000:
        second, micro = second + 1, 0
    return second, micro


def _second_texts(second: int) -> tuple[int, str, str]:
    """``second`` with its ``YYYY-MM-DDTHH:MM:SS`` and ``YYYY-MM-DD HH:MM:SS`` (UTC), cached.

    The cache is one tuple, read and replaced whole, so worker threads at a second's
    boundary never pair one second's number with another's text.
    """
    global _cached
    cached = _cached
    if cached[0] != second:
        t = time.gmtime(second)
        day = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"
        hms = f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
        cached = _cached = (second, f"{day}T{hms}", f"{day} {hms}")
    return cached


def iso_utc(epoch: float) -> str:
    """``2026-11-27T17:25:15.123456+00:00``: what ``datetime.isoformat()`` gives in UTC
    (with the fraction always written)."""
    second, micro = _split(epoch)
    return f"{_second_texts(second)[1]}.{micro:06d}+00:00"


def sqlite_utc(epoch: float) -> str:
    """``2026-11-27 17:25:15.123456``: how ``UTCDateTime`` columns are stored in SQLite."""
    second, micro = _split(epoch)
    return f"{_second_texts(second)[2]}.{micro:06d}"


def utc_datetime(epoch: float) -> datetime:
    """The aware UTC datetime of ``epoch``, to the same microsecond as the texts above."""
    second, micro = _split(epoch)
    return datetime.fromtimestamp(second, _UTC).replace(microsecond=micro)

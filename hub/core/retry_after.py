"""A peer's advice on when to try again: HTTP's ``Retry-After`` header, in seconds.

A peer that answers 503 or 429 may say how long to wait, as seconds (``120``) or as an
HTTP date (``Wed, 21 Oct 2026 07:28:00 GMT``). A transport hands the wait to the queue
as ``TransientError(..., retry_after=retry_after_seconds(header))``, so the next attempt
comes no sooner than the peer asked; every HTTP transport needs this, so it is here once.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds the ``Retry-After`` header ``value`` asks to wait (0 for a date already
    past), or None when there is no header or it cannot be read: an unreadable header is
    no reason to fail a delivery, the queue's own backoff applies then."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT; obsolete forms may leave the zone out
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())

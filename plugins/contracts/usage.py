"""Usage billing: what a counter consumed since its last billed reading.

A meter is a counter: consumption is the last reading minus the reading billed last
(the first reading ever is the counter's starting point, not consumption). An estimated
reading bills like an actual one; the next actual reading corrects it on its own,
because only the counter's difference is ever billed. ``included_quantity`` is free
each billing period. Readings are billed up to the end of the period billed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from hub.api import MeterReading, UsageBilling


@dataclass(frozen=True)
class Usage:
    """What one billing of a meter comes to, and which readings it bills."""

    consumed: Decimal
    billable: Decimal
    amount: Decimal
    billed_through: int
    """Index of the last reading billed (readings up to it become ``billed``); -1: none."""


def usage(meter: UsageBilling, period_end: dt.date) -> Usage:
    """The usage of ``meter`` to bill for a period ending ``period_end``."""
    readings: list[MeterReading] = meter.readings
    base_index = max((i for i, r in enumerate(readings) if r.billed), default=-1)
    open_indexes = [i for i, r in enumerate(readings) if i > base_index and r.read_at.date() <= period_end]
    if not open_indexes:
        return Usage(Decimal(0), Decimal(0), Decimal(0), base_index)
    last = open_indexes[-1]
    start = readings[base_index].reading.value if base_index >= 0 else readings[open_indexes[0]].reading.value
    consumed = readings[last].reading.value - start
    included = meter.included_quantity.value if meter.included_quantity else Decimal(0)
    billable = max(consumed - included, Decimal(0))
    return Usage(consumed, billable, billable * meter.price_per_unit.amount, last)

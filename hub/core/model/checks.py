"""Cross-field checks the document classes share (currencies, units, numbering, dates).

Each check raises ``field_error`` with the dotted path of the offending field, so a
mapping mistake is reported as e.g. ``items.2.net_value.currency``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from hub.core.model.base import Money, Quantity, field_error


def check_currency(value: Money | None, currency: str, path: str) -> None:
    """``value`` (if given) must be in the document currency ``currency``."""
    if value is not None and value.currency != currency:
        raise field_error(f"{path}.currency", f"{value.currency} differs from the document currency {currency}")


def check_not_negative(value: Money | None, path: str, why: str) -> None:
    """``value`` (if given) must not be below zero; ``why`` explains the convention."""
    if value is not None and value.amount < 0:
        raise field_error(f"{path}.amount", f"must not be negative ({why}), got {value.amount}")


def check_unit(value: Quantity | None, unit: str, path: str) -> None:
    """``value`` (if given) must be in ``unit``."""
    if value is not None and value.unit != unit:
        raise field_error(f"{path}.unit", f"unit {value.unit} differs from the item unit {unit}")


def check_unique(values: Iterable[object], path: str, what: str) -> None:
    """No value may occur twice; ``path`` is the list, ``what`` names the value."""
    seen: set[object] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise field_error(f"{path}.{index}", f"{what} {value!r} occurs twice")
        seen.add(value)


def check_period(start: date | None, end: date | None, end_path: str) -> None:
    """``end`` may not lie before ``start`` (open ends are fine)."""
    if start is not None and end is not None and end < start:
        raise field_error(end_path, f"{end.isoformat()} is before the start {start.isoformat()}")


def check_total(net: Money | None, tax: Money | None, gross: Money | None, path: str) -> None:
    """When all three are given, ``gross`` must equal ``net + tax`` exactly."""
    if net is not None and tax is not None and gross is not None and net.amount + tax.amount != gross.amount:
        raise field_error(
            f"{path}.amount", f"gross {gross.amount} is not net {net.amount} + tax {tax.amount}"
        )

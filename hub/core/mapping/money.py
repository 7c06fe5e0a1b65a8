"""Amounts and their currency's decimal places (ISO 4217 minor units).

Inbound, an amount is brought to its currency's decimal places when that loses
nothing (``12.5`` EUR -> ``12.50``) and refused when it would (``12.345`` EUR); outbound
it is written with exactly those places (``1000`` JPY, ``12.50`` EUR, ``1.250`` KWD).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
                     "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
_EXPONENTS = {places: Decimal(1).scaleb(-places) for places in range(0, 5)}


def decimal_places(currency: str) -> int:
    """How many decimal places amounts in ``currency`` have (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(currency, 2)


def to_places(amount: Decimal, places: int, currency: str) -> Decimal:
    """``amount`` with exactly ``places`` decimals; ``ValueError`` if digits would be lost."""
    exponent = _EXPONENTS.get(places) or Decimal(1).scaleb(-places)
    try:
        scaled = amount.quantize(exponent)
    except ArithmeticError:  # more digits than the decimal context holds
        raise ValueError(f"amount {amount} is too large") from None
    if scaled != amount:
        raise ValueError(
            f"amount {amount} has more decimal places than {currency} allows ({places})")
    return scaled


def plain_decimal(value: Any) -> Decimal:
    """An amount as Decimal, refusing anything inexact (floats, booleans, non-numbers)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip())
        except ArithmeticError:
            raise ValueError(f"{value!r} is not a number") from None
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return number
    raise ValueError(f"{value!r} is not an exact number")

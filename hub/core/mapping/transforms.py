"""Named value transforms, each with its inbound function and (when it has one) its reverse.

A transform is written in a table as ``name`` or ``name(arg, ...)``. ``inbound`` turns
an external value into a canonical one, ``outbound`` does the opposite; either may
return None for "no value" (an SAP date ``00000000`` is no date). A transform whose
``outbound`` is None cannot be reversed: a rule using it must be inbound-only and the
outbound direction needs its own rule. Bad values raise ``ValueError`` with a reason;
the engine adds document and field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Fn = Callable[[Any], Any]


@dataclass(frozen=True)
class Transform:
    """A compiled transform: ``inbound`` and ``outbound`` (None when not reversible)."""

    name: str
    inbound: Fn
    outbound: Fn | None
    parts: int = 1
    """How many source values the inbound side takes (``join`` takes several)."""


def _text(value: Any) -> str:
    if type(value) is str:
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected text, got {type(value).__name__} {value!r}")


def _identity(value: Any) -> Any:
    return value


def _trim(value: Any) -> Any:
    return _text(value).strip() or None


def _upper(value: Any) -> Any:
    return _text(value).upper()


def _lower(value: Any) -> Any:
    return _text(value).lower()


def _sap_date_in(value: Any) -> date | None:
    text = value.strip() if type(value) is str else _text(value).strip()
    if not text or text == "00000000":
        return None
    if len(text) != 8 or not text.isdigit():
        raise ValueError(f"{text!r} is not an SAP date YYYYMMDD")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date: {exc}") from None


def _sap_date_out(value: Any) -> str:
    if not isinstance(value, date):
        raise ValueError(f"expected a date, got {value!r}")
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _sap_time_in(value: Any) -> time | None:
    text = _text(value).strip()
    if not text:
        return None
    if len(text) != 6 or not text.isdigit():
        raise ValueError(f"{text!r} is not an SAP time HHMMSS")
    try:
        return time(int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid time: {exc}") from None


def _sap_time_out(value: Any) -> str:
    if not isinstance(value, time):
        raise ValueError(f"expected a time, got {value!r}")
    return f"{value.hour:02d}{value.minute:02d}{value.second:02d}"


def _parse_decimal(text: str, original: Any) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{original!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{original!r} is not a finite number")
    return number


def _sap_number_in(value: Any) -> Decimal | None:
    """SAP writes negative numbers with a trailing minus: ``12.50-``."""
    if type(value) is str:  # the common case first: these run once per field of a document
        text = value.strip()
    elif isinstance(value, Decimal):
        return value
    else:
        text = _text(value).strip()
    if not text:
        return None
    negative = text[-1] == "-"
    try:
        number = Decimal(text[:-1].rstrip() if negative else text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return -number if negative else number


def _plain(number: Decimal) -> str:
    return format(number, "f")


def _sap_number_out(value: Any) -> str:
    number = _decimal_in(value)
    if number < 0:
        return f"{_plain(-number)}-"
    return _plain(number)


def _decimal_comma_in(value: Any) -> Decimal | None:
    """European notation ``1.234,56`` (thousands dots, decimal comma), minus before or after."""
    text = _text(value).strip().replace(".", "").replace(" ", "").replace(",", ".")
    return _sap_number_in(text) if text else None


def _decimal_comma_out(value: Any) -> str:
    return _plain(_decimal_in(value)).replace(".", ",")


def _decimal_in(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"expected an exact number, got {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    return _parse_decimal(_text(value).strip(), value)


def _decimal_out(value: Any) -> str:
    return _plain(_decimal_in(value))


def _integer_in(value: Any) -> int | None:
    text = _text(value).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None


def _integer_out(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {value!r}")
    return str(value)


def _alpha(length: int) -> tuple[Fn, Fn]:
    """SAP ALPHA conversion: purely numeric ids are stored zero-padded to the field length."""

    def inbound(value: Any) -> str | None:
        text = value.strip() if type(value) is str else _text(value).strip()
        if text.isdigit():
            return text.lstrip("0") or "0"
        return text or None

    def outbound(value: Any) -> str:
        text = _text(value)
        if text.isdigit():
            if len(text) > length:
                raise ValueError(f"{text!r} is longer than the field's {length} digits")
            return text.zfill(length)
        return text

    return inbound, outbound


def _sap_flag_in(value: Any) -> bool:
    text = _text(value).strip().upper()
    if text in ("X", "TRUE"):
        return True
    if text in ("", "FALSE"):
        return False
    raise ValueError(f"{value!r} is not an SAP flag (X or blank)")


def _sap_flag_out(value: Any) -> str | None:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return "X" if value else None


def _iso_date_in(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    text = _text(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO date YYYY-MM-DD") from None


def _iso_date_out(value: Any) -> str:
    if not isinstance(value, date):
        raise ValueError(f"expected a date, got {value!r}")
    return value.isoformat()


def _date(pattern: str) -> tuple[Fn, Fn]:
    """Dates as a list writes them (``date('%d.%m.%Y')``: 15.03.1984), by strptime codes."""
    if "%" not in pattern:
        raise ValueError(f"date: {pattern!r} holds no strptime codes, e.g. date('%d.%m.%Y')")

    def inbound(value: Any) -> date | None:
        if isinstance(value, date):
            return value
        text = _text(value).strip()
        if not text:
            return None
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            raise ValueError(f"{text!r} is not a date written {pattern}") from None

    def outbound(value: Any) -> str:
        if not isinstance(value, date):
            raise ValueError(f"expected a date, got {value!r}")
        return value.strftime(pattern)

    return inbound, outbound


def _join(separator: str, parts: int) -> tuple[Fn, Fn]:
    def inbound(values: Any) -> str | None:
        texts = [_text(v).strip() for v in values if v is not None and _text(v).strip()]
        return separator.join(texts) or None

    def outbound(value: Any) -> list[str]:
        pieces = _text(value).split(separator, parts - 1)
        return pieces + [""] * (parts - len(pieces))

    return inbound, outbound


def _sap_timestamp(zone: tzinfo, parts: int) -> tuple[Fn, Fn]:
    """SAP keeps a moment as a date and a time field in the system's time zone
    (E1EDT13 ISDD/ISDZ, the control record's CREDAT/CRETIM); the model wants it aware."""

    def inbound(values: Any) -> datetime | None:
        day_text, time_text = (values if parts == 2 else (values, None))
        day = _sap_date_in(day_text) if day_text is not None else None
        if day is None:
            return None
        moment = (_sap_time_in(time_text) if time_text is not None else None) or time(0, 0)
        return datetime.combine(day, moment, zone)

    def outbound(value: Any) -> Any:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"expected a timezone-aware date and time, got {value!r}")
        local = value.astimezone(zone)
        texts = [_sap_date_out(local.date()), _sap_time_out(local.time().replace(microsecond=0))]
        return texts if parts == 2 else texts[0]

    return inbound, outbound


def _zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"sap_timestamp: unknown time zone {name!r} (an IANA name such as Europe/Berlin)") from None


def _split(separator: str, index: int) -> Fn:
    def inbound(value: Any) -> str | None:
        pieces = _text(value).split(separator)
        if index >= len(pieces):
            return None
        return pieces[index].strip() or None

    return inbound


def _int_arg(name: str, args: list[str], position: int, default: int) -> int:
    if len(args) <= position:
        return default
    try:
        return int(args[position])
    except ValueError:
        raise ValueError(f"{name}: argument {args[position]!r} must be a whole number") from None


def build_transform(name: str, args: list[str], source_count: int) -> Transform:
    """Compile transform ``name`` with its arguments; ``ValueError`` names what is wrong.

    ``source_count`` is the number of source paths of the rule (``join`` needs several).
    """
    simple: dict[str, tuple[Fn, Fn | None]] = {
        "trim": (_trim, _identity),
        "upper": (_upper, _identity),
        "lower": (_lower, _identity),
        "sap_date": (_sap_date_in, _sap_date_out),
        "sap_time": (_sap_time_in, _sap_time_out),
        "sap_number": (_sap_number_in, _sap_number_out),
        "decimal_comma": (_decimal_comma_in, _decimal_comma_out),
        "decimal": (_decimal_in, _decimal_out),
        "integer": (_integer_in, _integer_out),
        "sap_flag": (_sap_flag_in, _sap_flag_out),
        "iso_date": (_iso_date_in, _iso_date_out),
    }
    if name in simple:
        if args:
            raise ValueError(f"transform {name} takes no arguments")
        inbound, outbound = simple[name]
        return Transform(name, inbound, outbound)
    if name == "alpha":
        if len(args) > 1:
            raise ValueError("transform alpha takes one argument, the field length")
        length = _int_arg(name, args, 0, 10)
        if not 1 <= length <= 40:
            raise ValueError(f"alpha: field length {length} must be between 1 and 40")
        inbound, outbound = _alpha(length)
        return Transform(name, inbound, outbound)
    if name == "join":
        if len(args) != 1:
            raise ValueError("transform join takes one argument, the separator, e.g. join(' ')")
        if source_count < 2:
            raise ValueError("transform join needs a list of at least two source paths")
        inbound, outbound = _join(args[0], source_count)
        return Transform(name, inbound, outbound, parts=source_count)
    if name == "sap_timestamp":
        if len(args) > 1:
            raise ValueError("transform sap_timestamp takes one argument, the ERP's time zone, e.g. sap_timestamp(UTC)")
        if source_count > 2:
            raise ValueError("transform sap_timestamp takes a date path and optionally a time path")
        inbound, outbound = _sap_timestamp(_zone(args[0] if args else "UTC"), source_count)
        return Transform(name, inbound, outbound, parts=source_count)
    if name == "date":
        if len(args) != 1:
            raise ValueError("transform date takes one argument, the pattern, e.g. date('%d.%m.%Y')")
        inbound, outbound = _date(args[0])
        return Transform(name, inbound, outbound)
    if name == "split":
        if len(args) != 2:
            raise ValueError("transform split takes two arguments: separator and part index, e.g. split(' ', 0)")
        return Transform(name, _split(args[0], _int_arg(name, args, 1, 0)), None)
    raise ValueError(f"unknown transform {name!r}; known: {', '.join(sorted(KNOWN))}")


KNOWN = ("trim", "upper", "lower", "sap_date", "sap_time", "sap_number", "decimal_comma", "decimal",
         "integer", "sap_flag", "iso_date", "date", "alpha", "join", "sap_timestamp", "split")


def parse_spec(spec: str) -> tuple[str, list[str]]:
    """Split ``name(arg, 'quoted arg')`` into its name and argument texts.

    Unquoted arguments are trimmed; quoted ones are kept exactly (``join(' ')``).
    """
    spec = spec.strip()
    if "(" not in spec:
        return spec, []
    if not spec.endswith(")"):
        raise ValueError(f"transform {spec!r}: missing closing parenthesis")
    name, _, rest = spec.partition("(")
    inner = rest[:-1]
    args: list[str] = []
    current: list[str] = []
    quoted = False
    quote: str | None = None
    for char in inner:
        if quote:
            if char == quote:
                quote = None
            else:
                current.append(char)
        elif char in "'\"":
            if not "".join(current).strip():
                current = []
            quote, quoted = char, True
        elif quoted and char.isspace():
            continue
        elif char == ",":
            args.append(_argument(current, quoted))
            current, quoted = [], False
        else:
            current.append(char)
    if quote:
        raise ValueError(f"transform {spec!r}: unclosed quote")
    if inner.strip():
        args.append(_argument(current, quoted))
    return name.strip(), args


def _argument(chars: list[str], quoted: bool) -> str:
    text = "".join(chars)
    return text if quoted else text.strip()

"""The JSON codec: one transaction in the shape of ``plugins.loyalty_pos.shape``, as a till
sends it to ``POST /loyalty_pos/v1/transactions``.

The payload is parsed with exact numbers (JSON numbers become decimals; NaN and
Infinity are refused) and handed on as it is, but for the transaction's currency
copied beside each amount (``shape.spread_currency``): the mapping table checks every
field and names the JSON path of any it refuses. Only what names the transaction is read
here (store, workstation, business day, sequence number: the dedupe key and document
id), so a payload without them is refused whole, as is one that is not a JSON object
marked ``"pos_transaction": 1``. The payload kept in the inbound archive is the bytes
as received.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from hub.api import DocumentError, RawDocument
from plugins.loyalty_pos.shape import JSON, MARKER, SYSTEM, receipt_key, spread_currency

VERSION = 1
_MARKER = re.compile(rb'"' + MARKER.encode() + rb'"\s*:')
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_IDENTITY = ("store", "workstation", "business_day", "sequence_number")


def accepts_json(head: bytes, source_name: str) -> bool:
    """A JSON object that carries the shape's marker key near its start."""
    return head.lstrip()[:1] == b"{" and _MARKER.search(head) is not None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def read_json(payload: bytes, source: str) -> Iterator[RawDocument]:
    """The one transaction in ``payload``; DocumentError when it cannot be named."""
    try:
        data = json.loads(payload, parse_float=Decimal, parse_constant=_no_constants)
    except ValueError as exc:
        raise DocumentError(source, "(payload)", f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise DocumentError(source, "(payload)", "a transaction is a JSON object")
    if data.get(MARKER) not in (VERSION, str(VERSION)):
        raise DocumentError(source, MARKER, f"must be {VERSION} (the version of the transaction shape),"
                                            f" not {data.get(MARKER)!r}")
    parts = []
    for name in _IDENTITY:
        value = data.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise DocumentError(source, name, "required, as text" + (f", not {value!r}" if value is not None else ""))
        parts.append(value.strip())
    try:
        date.fromisoformat(parts[2] if _DAY.fullmatch(parts[2]) else "")
    except ValueError:
        raise DocumentError(source, "business_day", f"{parts[2]!r} is not a date YYYY-MM-DD") from None
    key = receipt_key(*parts)
    spread_currency(data)
    yield RawDocument(SYSTEM, JSON, key, "json", data, {}, source, bytes(payload), key)

"""Strict JSON for shop payloads: exact money, no NaN, and each object's own text.

Money arrives as decimal strings, but some fields (WooCommerce's line ``price``) are
JSON numbers: every non-integer number becomes a ``Decimal``, never a float, and whole
numbers stay ``int``. ``NaN`` and ``Infinity`` are not JSON and are refused, and so is
nesting too deep to walk: every failure is a ``ValueError`` saying what is wrong.

A poll's response page holds many objects; the archive keeps each one's text as the
shop wrote it, so ``page_items`` cuts the page at the objects' own boundaries.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_refuse_constant)


def decode(text: str) -> Any:
    """The JSON value of ``text``; ``ValueError`` says why it is not one."""
    value, end = _value_at(text, _skip(text, 0))
    _expect_end(text, end)
    return value


def page_items(text: str, key: str | None) -> list[tuple[Any, str]]:
    """The elements of a response page with each one's exact text.

    ``key`` names the list in a page object (Shopify: ``{"orders": [...]}``); None reads
    a page that is the list itself (WooCommerce). ``ValueError`` when the page is not
    JSON or has no such list.
    """
    position = _skip(text, 0)
    if key is None:
        items, end = _array(text, position, "the page")
        _expect_end(text, end)
        return items
    if text[position:position + 1] != "{":
        raise ValueError(f"the page is not a JSON object holding {key!r}")
    found: list[tuple[Any, str]] | None = None
    position = _skip(text, position + 1)
    if text[position:position + 1] == "}":
        position += 1
    else:
        while True:
            name, position = _value_at(text, position)
            if not isinstance(name, str):
                raise ValueError(f"object keys must be text (at character {position})")
            position = _skip(text, position)
            if text[position:position + 1] != ":":
                raise ValueError(f"expected ':' at character {position}")
            position = _skip(text, position + 1)
            if name == key:
                if found is not None:
                    raise ValueError(f"the page holds {key!r} twice")
                found, position = _array(text, position, repr(key))
            else:
                _, position = _value_at(text, position)
            position = _skip(text, position)
            separator = text[position:position + 1]
            position = _skip(text, position + 1)
            if separator == "}":
                break
            if separator != ",":
                raise ValueError(f"expected ',' or '}}' at character {position - 1}")
    _expect_end(text, position)
    if found is None:
        raise ValueError(f"the page has no {key!r} list")
    return found


def _array(text: str, position: int, what: str) -> tuple[list[tuple[Any, str]], int]:
    if text[position:position + 1] != "[":
        raise ValueError(f"{what} is not a JSON list")
    items: list[tuple[Any, str]] = []
    position = _skip(text, position + 1)
    if text[position:position + 1] == "]":
        return items, position + 1
    while True:
        value, end = _value_at(text, position)
        items.append((value, text[position:end]))
        position = _skip(text, end)
        separator = text[position:position + 1]
        if separator == "]":
            return items, position + 1
        if separator != ",":
            raise ValueError(f"expected ',' or ']' at character {position}")
        position = _skip(text, position + 1)


def _value_at(text: str, position: int) -> tuple[Any, int]:
    try:
        return _DECODER.raw_decode(text, position)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at character {exc.pos}") from None
    except ValueError as exc:  # a refused constant, or an integer longer than Python converts
        raise ValueError(f"not valid JSON: {exc}") from None


def _skip(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    assert match is not None  # the pattern matches the empty string anywhere
    return match.end()


def _expect_end(text: str, position: int) -> None:
    if _skip(text, position) != len(text):
        raise ValueError(f"unexpected text after the JSON value at character {position}")

"""What a valid canonical document may still hold that the store cannot keep.

JSON may carry text with NUL characters or lone UTF-16 surrogates, and integers beyond
64 bits; PostgreSQL refuses the first two in its JSON, the JSON encoder the store uses
refuses the third, and an external id longer than the key map's column is refused by
PostgreSQL. A body with any of them gets a 422 naming each place, before anything is
written, instead of failing halfway into a 500.
"""

from __future__ import annotations

from typing import Any

from hub.http.api.problems import FieldProblem

INT_LIMIT = 2**63
ID_LIMITS = {"system": 40, "id": 120}
"""Lengths of an external id's parts as the key map keeps them."""


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "text must not contain NUL characters"
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return "text must be valid Unicode (no lone surrogates)"
    return None


def _walk(value: Any, loc: list[str | int], found: list[FieldProblem]) -> None:
    reason = None
    if isinstance(value, str):
        reason = _text_problem(value)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int) and not -INT_LIMIT <= value < INT_LIMIT:
        reason = "integers must fit in 64 bits"
    elif isinstance(value, dict):
        for key, item in value.items():
            if (key_reason := _text_problem(str(key))) is not None:
                found.append(_problem([*loc, str(key)], key_reason))
            _walk(item, [*loc, str(key)], found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, [*loc, index], found)
    if reason is not None:
        found.append(_problem(loc, reason))


def _problem(loc: list[str | int], reason: str) -> FieldProblem:
    return FieldProblem(loc=["body", *loc], field=".".join(str(p) for p in loc) or "(body)", message=reason,
                        type="value_error")


def unstorable(data: dict[str, Any]) -> list[FieldProblem]:
    """Every place in a document's JSON-ready ``data`` the store could not keep."""
    found: list[FieldProblem] = []
    _walk(data, [], found)
    for index, ref in enumerate(data.get("external_ids") or ()):
        for part, limit in ID_LIMITS.items():
            if isinstance(ref, dict) and len(str(ref.get(part, ""))) > limit:
                found.append(_problem(["external_ids", index, part], f"at most {limit} characters"))
    return found

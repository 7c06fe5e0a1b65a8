"""Documents as plain comparable trees, and the first place two trees differ.

A codec's body is a list of IDoc ``Segment``s, a JSON value or an lxml element; a
round trip must give the same tree back. Segments are compared by name, fields and
children (their ``number`` is a position the renderer may assign anew); XML by tag,
attributes, stripped text and children (indentation is the renderer's choice).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from lxml import etree

from hub.core.raw import RawDocument, Segment

Tree = None | str | int | float | Decimal | bool | Sequence["Tree"] | Mapping[str, "Tree"]
"""A document reduced to plain values, lists and dicts."""


def document_tree(raw: RawDocument) -> Tree:
    """``raw``'s body as a plain tree."""
    return _tree(raw.body)


def _tree(value: object) -> Tree:
    if isinstance(value, Segment):
        return {"segment": value.name, "fields": dict(value.fields), "children": [_tree(c) for c in value.children]}
    if isinstance(value, etree._Element):
        return {"tag": str(value.tag), "attributes": dict(value.attrib), "text": (value.text or "").strip(),
                "children": [_tree(child) for child in value if isinstance(child.tag, str)]}
    if isinstance(value, Mapping):
        return {str(key): _tree(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tree(item) for item in value]
    if value is None or isinstance(value, (str, int, float, Decimal, bool)):
        return value
    return repr(value)


def difference(one: Tree, other: Tree, where: str) -> str | None:
    """Where ``one`` and ``other`` first differ (``where`` names the root), or None."""
    if isinstance(one, Mapping) and isinstance(other, Mapping):
        for key in [*one, *(k for k in other if k not in one)]:
            if key not in one or key not in other:
                missing = "first" if key not in one else "second"
                return f"{where}.{key}: missing in the {missing}"
            found = difference(one[key], other[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(one, list) and isinstance(other, list):
        if len(one) != len(other):
            return f"{where}: {len(one)} items, then {len(other)}"
        for index, (a, b) in enumerate(zip(one, other, strict=True)):
            found = difference(a, b, f"{where}[{index}]")
            if found:
                return found
        return None
    return None if one == other and type(one) is type(other) else f"{where}: {one!r}, then {other!r}"

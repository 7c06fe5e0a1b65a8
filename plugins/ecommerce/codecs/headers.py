"""Reading a webhook's HTTP headers the way the platforms send them.

Header names are case-insensitive, and Shopify's newer deliveries drop the ``X-``
prefix (``Shopify-Hmac-Sha256``), so every name is looked up lower-cased and without
it. What is read here is what the route hands on; the body is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

HeaderSource = Mapping[str, str] | Iterable[tuple[str, str]]
"""A request's headers: a mapping (Starlette's ``Headers``, a dict) or (name, value) pairs."""


class WebhookHeaders:
    """A request's headers by normalised name: lower case, ``x-`` prefix removed."""

    __slots__ = ("_values",)

    def __init__(self, headers: HeaderSource) -> None:
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        self._values: dict[str, str] = {}
        for name, value in pairs:
            self._values[_normalise(name)] = value

    def get(self, name: str) -> str | None:
        """The value of header ``name`` (any case, with or without ``X-``), stripped; None
        when absent or blank."""
        value = self._values.get(_normalise(name))
        if value is None:
            return None
        return value.strip() or None


def _normalise(name: str) -> str:
    name = name.strip().lower()
    return name[2:] if name.startswith("x-") else name

"""Reading one POSLog document's elements by local name, with where each value came from.

POSLog files put their elements in the namespace of the root (NRF's
``http://www.nrf-arts.org/IXRetail/namespace/``, its ``v6.0.0/poslog`` variant, or none
at all); everything in another namespace is a vendor's extension. ``Dialect`` knows
which namespace is standard for the document at hand. ``Node`` wraps an element with
its path inside the transaction (``RetailTransaction/LineItem[3]/Sale``), so that a
value that cannot be read is reported at its element and XML line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from copy import deepcopy
from typing import TypeVar

from lxml import etree

T = TypeVar("T")


class TransactionProblem(Exception):
    """One transaction cannot be read: the element (path and XML line) and why."""

    def __init__(self, element: str, reason: str) -> None:
        super().__init__(f"{element}: {reason}")
        self.element = element
        self.reason = reason


class Dialect:
    """The standard namespace of one POSLog document."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.prefix = f"{{{namespace}}}" if namespace else ""

    def tag(self, name: str) -> str:
        """The full tag of the standard element ``name``."""
        return self.prefix + name

    def local(self, element: etree._Element) -> str | None:
        """The local name of a standard element; None for vendor elements, comments, PIs."""
        tag = element.tag
        if not isinstance(tag, str):
            return None
        if self.prefix:
            return tag[len(self.prefix):] if tag.startswith(self.prefix) else None
        return None if tag.startswith("{") else tag

    def is_vendor(self, element: etree._Element) -> bool:
        """Whether ``element`` is an element of another namespace (an extension)."""
        return isinstance(element.tag, str) and self.local(element) is None


class Node:
    """An element of the transaction being read, with its path for error messages."""

    __slots__ = ("dialect", "element", "path")

    def __init__(self, dialect: Dialect, element: etree._Element, path: str) -> None:
        self.dialect = dialect
        self.element = element
        self.path = path

    def where(self, name: str | None = None, element: etree._Element | None = None) -> str:
        """``path/name (XML line N)`` of this node or of its child ``name``."""
        path = f"{self.path}/{name}" if name else self.path
        line = (element if element is not None else self.element).sourceline
        return f"{path} (XML line {line})" if line else path

    def problem(self, reason: str, name: str | None = None, element: etree._Element | None = None
                ) -> TransactionProblem:
        """A problem at this node (or its child ``name``)."""
        return TransactionProblem(self.where(name, element), reason)

    def child(self, name: str, label: str | None = None) -> Node | None:
        """The first standard child ``name``, as a node (``label`` names it in paths)."""
        found = self.element.find(self.dialect.tag(name))
        return None if found is None else Node(self.dialect, found, f"{self.path}/{label or name}")

    def children(self, name: str) -> Iterator[etree._Element]:
        """Every standard child ``name``."""
        return self.element.iterfind(self.dialect.tag(name))

    def text(self, name: str) -> str | None:
        """The stripped text of the first standard child ``name``; None when absent or empty."""
        found = self.element.find(self.dialect.tag(name))
        if found is None:
            return None
        return (found.text or "").strip() or None

    def first_text(self, *names: str) -> str | None:
        """The text of the first of ``names`` that is present (6.0 name first, older ones after)."""
        for name in names:
            value = self.text(name)
            if value is not None:
                return value
        return None

    def typed(self, name: str, parse: Callable[[str], T]) -> T | None:
        """The child ``name`` read with ``parse``; a ValueError becomes a problem at that child."""
        found = self.element.find(self.dialect.tag(name))
        return None if found is None else self.typed_element(found, parse, name)

    def typed_element(self, element: etree._Element, parse: Callable[[str], T], label: str | None = None
                      ) -> T | None:
        """The text of ``element`` (a child of this node) read with ``parse``; None when empty."""
        text = (element.text or "").strip()
        if not text:
            return None
        try:
            return parse(text)
        except ValueError as exc:
            raise self.problem(str(exc), label or self.dialect.local(element), element) from None

    def attribute(self, name: str, parse: Callable[[str], T]) -> T | None:
        """The attribute ``name`` read with ``parse``; a ValueError becomes a problem here."""
        text = self.element.get(name)
        if text is None or not text.strip():
            return None
        try:
            return parse(text.strip())
        except ValueError as exc:
            raise self.problem(f"attribute {name}: {exc}") from None


def keep_extensions(element: etree._Element, dialect: Dialect, bag: dict[str, str], prefix: str = "") -> None:
    """Add the vendor elements among ``element``'s children to ``bag``: ``prefix`` + Clark
    name (``LineItem[4]/LoyaltyReward/{urn:acme}Level``) -> the element's XML.

    Each is serialised with only the namespaces it uses, so it reads on its own; a
    name met twice keeps both, one after the other.
    """
    for child in element:
        if dialect.is_vendor(child):
            key = prefix + child.tag
            bag[key] = bag.get(key, "") + standalone_xml(child)


def standalone_xml(element: etree._Element) -> str:
    """``element`` as XML text declaring only the namespaces it uses."""
    copy = deepcopy(element)
    copy.tail = None
    etree.cleanup_namespaces(copy)
    return etree.tostring(copy, encoding="unicode")

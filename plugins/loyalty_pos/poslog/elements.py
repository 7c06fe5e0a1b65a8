"""Reading one POSLog document's elements by local name, with where each value came from.

POSLog files put their elements in the namespace of the root (NRF's
``http://www.nrf-arts.org/IXRetail/namespace/``, its ``v6.0.0/poslog`` variant, or none
at all); everything in another namespace is a vendor's extension. ``Dialect`` knows
which namespace is standard for the document at hand. ``Node`` wraps an element with
its path inside the transaction (``RetailTransaction/LineItem[3]/Sale``), so that a
value that cannot be read is reported at its element and XML line.
"""

from __future__ import annotations

from collections.abc import Callable
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
    """The standard namespace of one POSLog document, and the local names of its tags.

    The local name of every tag met is remembered, so reading a file of thousands of
    transactions splits each distinct tag once.
    """

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.prefix = f"{{{namespace}}}" if namespace else ""
        self.names: dict[str, str] = {}
        """Tag -> local name, or "" for a vendor's tag."""

    def tag(self, name: str) -> str:
        """The full tag of the standard element ``name``."""
        return self.prefix + name

    def local(self, element: etree._Element) -> str | None:
        """The local name of a standard element; None for vendor elements (and comments or PIs)."""
        tag = element.tag
        if not isinstance(tag, str):
            return None
        name = self.names.get(tag)
        if name is None:
            name = self.split(tag)
        return name or None

    def split(self, tag: str) -> str:
        """The local name of a new ``tag`` ("" for a vendor's), remembered."""
        if self.prefix:
            name = tag[len(self.prefix):] if tag.startswith(self.prefix) else ""
        else:
            name = "" if tag.startswith("{") else tag
        self.names[tag] = name
        return name


class Node:
    """An element of the transaction being read, with its path for error messages.

    Its children are indexed by local name on first use (one pass), and the vendor
    elements among them set aside, so that reading a dozen fields of a line costs one
    walk over it.
    """

    __slots__ = ("dialect", "element", "path", "_index", "_vendors")

    def __init__(self, dialect: Dialect, element: etree._Element, path: str) -> None:
        self.dialect = dialect
        self.element = element
        self.path = path
        self._index: dict[str, list[etree._Element]] | None = None
        self._vendors: list[etree._Element] = []

    @property
    def index(self) -> dict[str, list[etree._Element]]:
        """The standard children by local name, in document order."""
        return self._index if self._index is not None else self._build()

    def _build(self) -> dict[str, list[etree._Element]]:
        index: dict[str, list[etree._Element]] = {}
        dialect = self.dialect
        names = dialect.names
        for child in self.element:
            tag = child.tag
            if not isinstance(tag, str):
                continue  # a comment or processing instruction
            name = names.get(tag)
            if name is None:
                name = dialect.split(tag)
            if name:
                found = index.get(name)
                if found is None:
                    index[name] = [child]
                else:
                    found.append(child)
            else:
                self._vendors.append(child)
        self._index = index
        return index

    @property
    def vendors(self) -> list[etree._Element]:
        """The vendor (other namespace) elements among the children."""
        if self._index is None:
            self._build()
        return self._vendors

    def where(self, name: str | None = None, element: etree._Element | None = None) -> str:
        """``path/name (XML line N)`` of this node or of its child ``name``."""
        path = f"{self.path}/{name}" if name else self.path
        line = (element if element is not None else self.element).sourceline
        return f"{path} (XML line {line})" if line else path

    def problem(self, reason: str, name: str | None = None, element: etree._Element | None = None
                ) -> TransactionProblem:
        """A problem at this node (or its child ``name``)."""
        return TransactionProblem(self.where(name, element), reason)

    def first(self, name: str) -> etree._Element | None:
        """The first standard child ``name``."""
        found = (self._index if self._index is not None else self._build()).get(name)
        return None if found is None else found[0]

    def child(self, name: str, label: str | None = None) -> Node | None:
        """The first standard child ``name``, as a node (``label`` names it in paths)."""
        found = self.first(name)
        return None if found is None else Node(self.dialect, found, f"{self.path}/{label or name}")

    def children(self, name: str) -> list[etree._Element]:
        """Every standard child ``name``."""
        return self.index.get(name, [])

    def text(self, name: str) -> str | None:
        """The stripped text of the first standard child ``name``; None when absent or empty."""
        found = (self._index if self._index is not None else self._build()).get(name)
        if found is None:
            return None
        text = found[0].text
        return text.strip() or None if text else None

    def first_text(self, *names: str) -> str | None:
        """The text of the first of ``names`` that is present (6.0 name first, older ones after)."""
        for name in names:
            value = self.text(name)
            if value is not None:
                return value
        return None

    def typed(self, name: str, parse: Callable[[str], T]) -> T | None:
        """The child ``name`` read with ``parse``; a ValueError becomes a problem at that child."""
        found = (self._index if self._index is not None else self._build()).get(name)
        return None if found is None else self.typed_element(found[0], parse, name)

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

    def keep_extensions(self, bag: dict[str, str], prefix: str = "") -> None:
        """Add this node's vendor children to ``bag``: ``prefix`` + Clark name
        (``LineItem[4]/LoyaltyReward/{urn:acme}Level``) -> the element's XML.

        Each is serialised with only the namespaces it uses, so it reads on its own; a
        name met twice keeps both, one after the other.
        """
        for child in self.vendors:
            key = prefix + str(child.tag)
            bag[key] = bag.get(key, "") + standalone_xml(child)


def standalone_xml(element: etree._Element) -> str:
    """``element`` as XML text declaring only the namespaces it uses."""
    copy = deepcopy(element)
    copy.tail = None
    etree.cleanup_namespaces(copy)
    return etree.tostring(copy, encoding="unicode")

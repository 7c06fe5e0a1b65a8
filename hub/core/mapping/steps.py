"""Run-time pieces shared by compiled rules: the per-document context and rule failures.

Compiled rules are closures over these; nothing here parses or looks anything up by
name while a document is mapped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Lookup = Callable[[str, str, str], "str | None"]
"""``lookup(system, object_type, external_id) -> hub_id`` (None when unknown)."""

ReverseLookup = Callable[[str, str, str], "str | None"]
"""``reverse_lookup(system, object_type, hub_id) -> external_id`` (None when unknown)."""

InRule = Callable[[Any, dict[str, Any], "DocCtx"], bool]
"""(source element, canonical dict being built, ctx) -> whether a source value was found."""

OutRule = Callable[[dict[str, Any], Any, "DocCtx"], None]
"""(canonical dict, external element being built, ctx) -> None."""


@dataclass(frozen=True)
class RuleRow:
    """One rule as ``hub mapping show`` lists it."""

    direction: str
    source: str
    target: str
    how: str
    required: bool
    line: int


def _no_lookup(system: str, object_type: str, key: str) -> str | None:
    raise RuleFailure("", "", "this table uses key-map lookups, but no lookup function was given")


class DocCtx:
    """One document being mapped: its tree root, control record and key-map functions.

    ``notes`` collects what the mapping let through but a reader of the document's
    history should know (an unknown code kept or replaced by a default). When
    ``unresolved`` is a list (dry runs), a required key-map lookup that misses is noted
    there and mapping goes on with a visible placeholder instead of stopping.
    """

    __slots__ = ("root", "control", "lookup", "reverse_lookup", "notes", "unresolved", "parents")

    def __init__(self, root: Any, control: dict[str, str], lookup: Lookup | None = None,
                 reverse_lookup: ReverseLookup | None = None) -> None:
        self.root = root
        self.control = control
        self.lookup = lookup or _no_lookup
        self.reverse_lookup = reverse_lookup or _no_lookup
        self.notes: list[str] = []
        self.unresolved: list[tuple[str, str, str]] | None = None
        self.parents: list[Any] = []
        """The elements the groups being mapped are on, innermost last (``../`` paths)."""


class MissingReference(ValueError):
    """A required key-map lookup found nothing: the (system, object type, external id) asked."""

    def __init__(self, message: str, key: tuple[str, str, str]) -> None:
        super().__init__(message)
        self.key = key


class RuleFailure(Exception):
    """A rule could not map a value: canonical field, source path and reason.

    Groups prefix the location with the element's position before the engine turns it
    into a ``DocumentError`` naming the document. ``missing`` is the key of an object the
    hub does not know yet, when that is the reason.
    """

    def __init__(self, canonical: str, source: str, reason: str, missing: tuple[str, str, str] | None = None) -> None:
        super().__init__(reason)
        self.canonical = canonical
        self.source = source
        self.reason = reason
        self.missing = missing

    @classmethod
    def of(cls, canonical: str, source: str, exc: ValueError) -> RuleFailure:
        """The failure a pipeline's ``ValueError`` means (a missing reference kept as such)."""
        return cls(canonical, source, str(exc), exc.key if isinstance(exc, MissingReference) else None)

    def within(self, canonical_prefix: str, source_prefix: str) -> RuleFailure:
        """The same failure, located inside a group element."""
        canonical = f"{canonical_prefix}.{self.canonical}" if self.canonical else canonical_prefix
        source = f"{source_prefix}/{self.source}" if self.source else source_prefix
        return RuleFailure(canonical, source, self.reason, self.missing)

    def location(self) -> str:
        """``canonical <- source`` as error messages show it."""
        if self.canonical and self.source:
            return f"{self.canonical} <- {self.source}"
        return self.canonical or self.source


def make_putter(parts: tuple[str, ...], append: bool) -> Callable[[dict[str, Any], Any], None]:
    """(canonical dict, value) -> set the value at the dotted target, creating nested dicts.

    ``append`` adds to a list field instead (several rules may feed ``emails``).
    """
    *parents, last = parts
    if not parents and not append:
        def put_one(out: dict[str, Any], value: Any) -> None:
            out[last] = value
        return put_one

    def put(out: dict[str, Any], value: Any) -> None:
        for name in parents:
            out = out.setdefault(name, {})
        if append:
            out.setdefault(last, []).append(value)
        else:
            out[last] = value

    return put


def make_getter(parts: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    """canonical dict -> the value at the dotted target (None when absent)."""
    if len(parts) == 1:
        name = parts[0]
        return lambda data: data.get(name)

    def get(data: Any) -> Any:
        for name in parts:
            if not isinstance(data, dict):
                return None
            data = data.get(name)
        return data

    return get

"""Source paths: parsing them once, and compiling them into readers and writers.

One grammar for the three tree shapes of ``hub.core.raw`` (details in docs/mapping.md)::

    [/] step {SEP step} [FIELD-SEP field]        step = NAME {[KEY=VALUE]}

- IDoc: ``E1KNA1M/E1KNVVM.VKORG``, ``E1EDK14[QUALF=008].ORGID``; steps are segments
  (``/``), the part after the last ``.`` is the field; ``@DOCNUM`` reads the control record.
- JSON: ``customer.default_address.city``, ``addresses[type=billing].zip``; steps are
  object keys (``.``), the last key is the field; lists on the way are walked.
- XML: ``Customer/Name``, ``LineItem[@type=Sale]/Sale/ItemID``, ``Customer/@id``;
  steps are elements matched by local name, the last part is a child element's text,
  an attribute ``@name`` or ``.`` (the element's own text).

A leading ``/`` reads from the document root even inside a repeating group, a leading
``../`` from the element the enclosing group is on (``../MENEE`` in an item's schedule
lines: the item's unit). A path without steps (``MENGE``) reads the current element. Predicates select the first
element whose KEY (field, child element or ``@attribute``) equals VALUE; when
rendering, a created element gets the predicate's value, so qualifier selection
works both ways.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-:@")


@dataclass(frozen=True)
class Step:
    """One step of a path: an element name and the predicates it must satisfy."""

    name: str
    predicates: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return self.name + "".join(f"[{k}={v}]" for k, v in self.predicates)


@dataclass(frozen=True)
class Path:
    """A parsed source path. ``field`` is None for paths that address elements (groups)."""

    text: str
    steps: tuple[Step, ...]
    field: str | None
    absolute: bool = False
    control: bool = False
    up: bool = False
    """``../``: from the element the enclosing group is on (an item, inside its schedule lines)."""


class Ctx(Protocol):
    """What readers need from the document being mapped: its root and control record."""

    root: Any
    control: dict[str, str]
    parents: list[Any]


def _parse_step(text: str, full: str) -> Step:
    name, _, rest = text.partition("[")
    if not name or not set(name) <= _NAME_CHARS:
        raise ValueError(f"path {full!r}: {name or 'an empty step'!r} is not a valid name")
    predicates: list[tuple[str, str]] = []
    rest = "[" + rest if rest else ""
    while rest:
        if not rest.startswith("[") or "]" not in rest:
            raise ValueError(f"path {full!r}: predicate must look like [KEY=VALUE]")
        inner, _, rest = rest[1:].partition("]")
        key, eq, value = inner.partition("=")
        if not eq or not key.strip() or not set(key.strip()) <= _NAME_CHARS:
            raise ValueError(f"path {full!r}: predicate [{inner}] must look like [KEY=VALUE]")
        predicates.append((key.strip(), value.strip()))
    return Step(name, tuple(predicates))


def _split_outside_brackets(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def parse_path(text: str, *, separator: str, field_separator: str, want_field: bool) -> Path:
    """Parse ``text`` with the format's separators; ``ValueError`` says what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a path must be non-empty text")
    full = text = text.strip()
    if text.startswith("@") and field_separator != separator:
        key = text[1:]
        if not key or not set(key) <= _NAME_CHARS:
            raise ValueError(f"path {full!r}: a control record field must look like @NAME")
        return Path(full, (), key, control=True)
    up = text.startswith("../")
    if up:
        text = text[3:]
        if text.startswith(("/", "../")):
            raise ValueError(f"path {full!r}: ../ goes up one level, to the enclosing group's element")
    absolute = text.startswith("/")
    parts = _split_outside_brackets(text[1:] if absolute else text, separator)
    field: str | None = None
    if want_field:
        last = parts.pop()
        if field_separator != separator:
            head, dot, tail = last.rpartition(field_separator)
            if dot and "]" not in tail:
                parts.append(head)
                last = tail
            elif parts or "[" in last:
                raise ValueError(f"path {full!r} must end with {field_separator}FIELD")
        field = last
        if not field or not set(field) <= _NAME_CHARS | {"."}:
            raise ValueError(f"path {full!r}: {field!r} is not a valid field name")
    if any(not p for p in parts):
        raise ValueError(f"path {full!r} has an empty step")
    steps = tuple(_parse_step(p, full) for p in parts)
    if not want_field and not steps:
        raise ValueError(f"path {full!r} must name at least one element")
    if absolute and want_field and not steps:
        raise ValueError(f"path {full!r}: a path from the root must name an element before the field")
    return Path(full, steps, field, absolute=absolute, up=up)


def parse_column(text: str) -> Path:
    """A list format's source path: one column header, as the file writes it.

    Headers hold what paths elsewhere may not (spaces, dots, umlauts, brackets), so the
    whole text, stripped, is the field and nothing is parsed out of it.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a column must be named by non-empty text")
    return Path(text.strip(), (), text.strip())


class TreeAdapter(Protocol):
    """The primitives a tree shape provides; readers and writers are built on them."""

    name: str
    separator: str
    field_separator: str

    def children(self, node: Any, name: str) -> Iterator[Any]: ...
    def value(self, node: Any, field: str) -> Any: ...
    def create_child(self, node: Any, name: str) -> Any: ...
    def child_for_write(self, node: Any, name: str) -> Any: ...
    def set_value(self, node: Any, field: str, value: Any) -> None: ...


def _matches(adapter: TreeAdapter, node: Any, predicates: tuple[tuple[str, str], ...]) -> bool:
    for key, expected in predicates:
        value = adapter.value(node, key)
        if value is None or str(value) != expected:
            return False
    return True


def make_finder(adapter: TreeAdapter, steps: tuple[Step, ...]) -> Callable[[Any], Any]:
    """node -> first element reached through ``steps`` (None if there is none)."""
    if len(steps) == 1 and not steps[0].predicates:
        name = steps[0].name
        children = adapter.children

        def find_one(node: Any) -> Any:
            return next(children(node, name), None)

        return find_one

    def find(node: Any) -> Any:
        return next(iter_steps(adapter, node, steps), None)

    return find


def iter_steps(adapter: TreeAdapter, node: Any, steps: tuple[Step, ...]) -> Iterator[Any]:
    """Every element reached through ``steps``, depth first, in document order."""
    step, rest = steps[0], steps[1:]
    for child in adapter.children(node, step.name):
        if step.predicates and not _matches(adapter, child, step.predicates):
            continue
        if rest:
            yield from iter_steps(adapter, child, rest)
        else:
            yield child


def make_reader(adapter: TreeAdapter, path: Path) -> Callable[[Any, Ctx], Any]:
    """(node, ctx) -> the value at ``path`` (None when absent)."""
    field = path.field
    assert field is not None
    if path.control:
        return lambda node, ctx: ctx.control.get(field)
    if path.up:
        below = make_reader(adapter, Path(path.text, path.steps, field))
        return lambda node, ctx: below(ctx.parents[-1], ctx)
    fast = getattr(adapter, "fast_reader", None)
    if fast is not None:
        return fast(path.steps, field, path.absolute)
    value = adapter.value
    if not path.steps:
        return lambda node, ctx: value(node, field)
    find = make_finder(adapter, path.steps)
    if path.absolute:
        def read_absolute(node: Any, ctx: Ctx) -> Any:
            element = find(ctx.root)
            return None if element is None else value(element, field)
        return read_absolute

    def read(node: Any, ctx: Ctx) -> Any:
        element = find(node)
        return None if element is None else value(element, field)

    return read


def make_iterator(adapter: TreeAdapter, path: Path) -> Callable[[Any, Ctx], Iterator[Any]]:
    """(node, ctx) -> every element ``path`` addresses, for repeating groups."""
    steps = path.steps
    fast = getattr(adapter, "fast_iterator", None)
    iterate_fast = fast(steps) if fast is not None else None
    if iterate_fast is not None:
        if path.absolute:
            return lambda node, ctx: iter(iterate_fast(ctx.root))
        return lambda node, ctx: iter(iterate_fast(node))
    if path.absolute:
        return lambda node, ctx: iter_steps(adapter, ctx.root, steps)
    return lambda node, ctx: iter_steps(adapter, node, steps)


def _walk_for_write(adapter: TreeAdapter, node: Any, steps: tuple[Step, ...]) -> Any:
    """Find each step's element, creating it (with its predicate values) when missing."""
    for step in steps:
        found = None
        for child in adapter.children(node, step.name):
            if _matches(adapter, child, step.predicates):
                found = child
                break
        if found is None:
            found = adapter.child_for_write(node, step.name)
            for key, value in step.predicates:
                adapter.set_value(found, key, value)
        node = found
    return node


def make_writer(adapter: TreeAdapter, path: Path) -> Callable[[Any, Ctx, Any], None]:
    """(node, ctx, value) -> write ``value`` at ``path``, creating elements on the way."""
    field = path.field
    assert field is not None
    if path.control:
        def write_control(node: Any, ctx: Ctx, value: Any) -> None:
            ctx.control[field] = str(value)
        return write_control
    steps, absolute = path.steps, path.absolute

    def write(node: Any, ctx: Ctx, value: Any) -> None:
        target = _walk_for_write(adapter, ctx.root if absolute else node, steps)
        adapter.set_value(target, field, value)

    return write


def make_adder(adapter: TreeAdapter, path: Path) -> Callable[[Any, Ctx], Any]:
    """(node, ctx) -> a new element at ``path`` (its parents found or created), for groups."""
    parents, last, absolute = path.steps[:-1], path.steps[-1], path.absolute

    def add(node: Any, ctx: Ctx) -> Any:
        parent = _walk_for_write(adapter, ctx.root if absolute else node, parents)
        child = adapter.create_child(parent, last.name)
        for key, value in last.predicates:
            adapter.set_value(child, key, value)
        return child

    return add

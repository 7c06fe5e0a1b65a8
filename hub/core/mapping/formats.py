"""The tree shapes of ``hub.core.raw`` as path adapters: IDoc, JSON, XML, and the flat
rows of a list file (CSV or XLSX) that list formats map.

Each adapter gives the primitives ``paths`` builds readers and writers on, creates an
empty tree for rendering, and lists the leaf locations of a tree so that the engine
can report what a table left unmapped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from lxml import etree

from hub.core.raw import Segment

Location = tuple[tuple[str, ...], str, Any]
"""(element names from the root, field, element) of one value present in a tree."""


class IdocAdapter:
    """IDoc trees: a root ``Segment`` (named ``""``) whose children are the top segments."""

    name = "idoc"
    separator = "/"
    field_separator = "."

    def children(self, node: Segment, name: str) -> Iterator[Segment]:
        return (child for child in node.children if child.name == name)

    def value(self, node: Segment, field: str) -> Any:
        return node.fields.get(field) or None

    def create_child(self, node: Segment, name: str) -> Segment:
        child = Segment(name)
        node.children.append(child)
        return child

    child_for_write = create_child

    def set_value(self, node: Segment, field: str, value: Any) -> None:
        node.fields[field] = value if isinstance(value, str) else _text(value)

    def root(self, body: Any) -> Segment:
        return Segment("", children=body if isinstance(body, list) else list(body))

    def fast_reader(self, steps: tuple[Any, ...], field: str, absolute: bool) -> Callable[[Segment, Any], Any]:
        """(node, ctx) -> value, with the segment walk inlined (the hot path of inbound IDocs)."""
        if not steps:
            return lambda node, ctx: node.fields.get(field) or None
        if len(steps) == 1 and not absolute:
            # One step, walk inlined into the reader: one call per field read.
            name, predicates = steps[0].name, steps[0].predicates
            if len(predicates) == 1:
                (key, wanted), = predicates

                def read_qualified(node: Segment, ctx: Any) -> Any:
                    for child in node.children:
                        if child.name == name and child.fields.get(key) == wanted:
                            return child.fields.get(field) or None
                    return None
                return read_qualified
            if not predicates:
                def read_child(node: Segment, ctx: Any) -> Any:
                    for child in node.children:
                        if child.name == name:
                            return child.fields.get(field) or None
                    return None
                return read_child
        find = self.fast_finder(steps)
        if absolute:
            def read_absolute(node: Segment, ctx: Any) -> Any:
                found = find(ctx.root)
                return None if found is None else (found.fields.get(field) or None)
            return read_absolute

        def read(node: Segment, ctx: Any) -> Any:
            found = find(node)
            return None if found is None else (found.fields.get(field) or None)

        return read

    def fast_finder(self, steps: tuple[Any, ...]) -> Callable[[Segment], Segment | None]:
        """node -> first segment reached through ``steps``, or None."""
        if len(steps) == 1:
            name, predicates = steps[0].name, steps[0].predicates
            if not predicates:
                def find_plain(node: Segment) -> Segment | None:
                    for child in node.children:
                        if child.name == name:
                            return child
                    return None
                return find_plain
            if len(predicates) == 1:
                (key, wanted), = predicates

                def find_qualified(node: Segment) -> Segment | None:
                    for child in node.children:
                        if child.name == name and child.fields.get(key) == wanted:
                            return child
                    return None
                return find_qualified
        plan = tuple((step.name, step.predicates) for step in steps)

        def find(node: Segment) -> Segment | None:
            for name, predicates in plan:
                for child in node.children:
                    if child.name == name and all(child.fields.get(k) == v for k, v in predicates):
                        node = child
                        break
                else:
                    return None
            return node

        return find

    def fast_iterator(self, steps: tuple[Any, ...]) -> Callable[[Segment], list[Segment]] | None:
        """node -> every segment of a one-step path (the common repeating group)."""
        if len(steps) != 1:
            return None
        name, predicates = steps[0].name, steps[0].predicates
        if not predicates:
            return lambda node: [child for child in node.children if child.name == name]
        return lambda node: [child for child in node.children if child.name == name
                             and all(child.fields.get(k) == v for k, v in predicates)]

    def new_root(self, root_name: str | None) -> Segment:
        return Segment("")

    def body(self, root: Segment) -> Any:
        return _number(root.children)

    def locations(self, root: Segment) -> Iterator[Location]:
        stack: list[tuple[tuple[str, ...], Segment]] = [((), root)]
        while stack:
            names, node = stack.pop()
            for child in reversed(node.children):
                stack.append(((*names, child.name), child))
            for field in node.fields:
                yield names, field, node


def _number(segments: list[Segment]) -> list[Segment]:
    """Give rendered segments their SEGNUM (1-based, depth-first) as a codec expects."""
    counter = 0

    def visit(nodes: list[Segment]) -> None:
        nonlocal counter
        for node in nodes:
            counter += 1
            node.number = counter
            visit(node.children)

    visit(segments)
    return segments


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "X" if value else ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


class JsonAdapter:
    """JSON trees: dicts and lists; lists met on a path are walked element by element."""

    name = "json"
    separator = "."
    field_separator = "."

    def children(self, node: Any, name: str) -> Iterator[Any]:
        if not isinstance(node, dict):
            return iter(())
        value = node.get(name)
        if isinstance(value, list):
            return (item for item in value if item is not None)
        return iter(()) if value is None else iter((value,))

    def value(self, node: Any, field: str) -> Any:
        if not isinstance(node, dict):
            return None
        value = node.get(field)
        return None if value == "" else value

    def create_child(self, node: dict[str, Any], name: str) -> dict[str, Any]:
        child: dict[str, Any] = {}
        existing = node.get(name)
        if isinstance(existing, list):
            existing.append(child)
        else:
            node[name] = [child]
        return child

    def child_for_write(self, node: dict[str, Any], name: str) -> dict[str, Any]:
        child: dict[str, Any] = {}
        node[name] = child
        return child

    def set_value(self, node: dict[str, Any], field: str, value: Any) -> None:
        node[field] = value

    def root(self, body: Any) -> Any:
        return body

    def new_root(self, root_name: str | None) -> dict[str, Any]:
        return {}

    def body(self, root: Any) -> Any:
        return root

    def locations(self, root: Any) -> Iterator[Location]:
        stack: list[tuple[tuple[str, ...], Any]] = [((), root)]
        while stack:
            names, node = stack.pop()
            if isinstance(node, list):
                stack.extend((names, item) for item in reversed(node))
                continue
            if not isinstance(node, dict):
                continue
            for key, value in node.items():
                if isinstance(value, (dict, list)):
                    stack.append(((*names, key), value))
                elif value is not None and value != "":
                    yield names, key, node


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


class XmlAdapter:
    """XML trees (lxml): elements matched by local name, so namespaces need no prefixes."""

    name = "xml"
    separator = "/"
    field_separator = "/"

    def __init__(self, namespace: str | None = None) -> None:
        self.namespace = namespace

    def _tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}" if self.namespace else name

    def children(self, node: Any, name: str) -> Iterator[Any]:
        return (child for child in node if isinstance(child.tag, str) and _local(child.tag) == name)

    def value(self, node: Any, field: str) -> Any:
        if field.startswith("@"):
            return node.get(field[1:]) or None
        if field == ".":
            return (node.text or "").strip() or None
        child = next(self.children(node, field), None)
        return None if child is None else ((child.text or "").strip() or None)

    def create_child(self, node: Any, name: str) -> Any:
        return etree.SubElement(node, self._tag(name))

    child_for_write = create_child

    def set_value(self, node: Any, field: str, value: Any) -> None:
        text = _text(value)
        if field.startswith("@"):
            node.set(field[1:], text)
        elif field == ".":
            node.text = text
        else:
            child = next(self.children(node, field), None)
            if child is None:
                child = self.create_child(node, field)
            child.text = text

    def root(self, body: Any) -> Any:
        return body

    def new_root(self, root_name: str | None) -> Any:
        return etree.Element(self._tag(root_name or "Document"))

    def body(self, root: Any) -> Any:
        return root

    def locations(self, root: Any) -> Iterator[Location]:
        stack: list[tuple[tuple[str, ...], Any]] = [((), root)]
        while stack:
            names, node = stack.pop()
            for key in node.attrib:
                yield names, f"@{_local(key)}", node
            elements = [c for c in node if isinstance(c.tag, str)]
            for child in reversed(elements):
                if len(child) or child.attrib:
                    stack.append(((*names, _local(child.tag)), child))
                if not len(child) and (child.text or "").strip():
                    yield names, _local(child.tag), node


class CsvAdapter:
    """One row of a list file: a dict of column header -> text.

    A path is a column header as written in the file (spaces, umlauts and dots
    included), so it has no steps: ``paths.parse_column`` makes it. An empty cell reads
    as no value. List formats map inbound only; rendering builds a row all the same.
    """

    name = "csv"
    separator = "\x00"
    field_separator = "\x00"

    def children(self, node: dict[str, str], name: str) -> Iterator[Any]:
        return iter(())

    def value(self, node: dict[str, str], field: str) -> Any:
        return node.get(field) or None

    def fast_reader(self, steps: tuple[Any, ...], field: str, absolute: bool) -> Callable[[dict[str, str], Any], Any]:
        """(row, ctx) -> the cell of column ``field``, None when empty."""
        return lambda node, ctx: node.get(field) or None

    def create_child(self, node: dict[str, str], name: str) -> dict[str, str]:
        return node

    child_for_write = create_child

    def set_value(self, node: dict[str, str], field: str, value: Any) -> None:
        node[field] = _text(value)

    def root(self, body: Any) -> Any:
        return body

    def new_root(self, root_name: str | None) -> dict[str, str]:
        return {}

    def body(self, root: Any) -> Any:
        return root

    def locations(self, root: dict[str, str]) -> Iterator[Location]:
        for column, value in root.items():
            if value:
                yield (), column, root


Adapter = IdocAdapter | JsonAdapter | XmlAdapter | CsvAdapter


def adapter_for(format_name: str, namespace: str | None = None) -> Adapter:
    """The adapter of a table's ``format`` (idoc, json, xml or csv); ``ValueError`` otherwise."""
    if format_name == "idoc":
        return IdocAdapter()
    if format_name == "json":
        return JsonAdapter()
    if format_name == "xml":
        return XmlAdapter(namespace)
    if format_name == "csv":
        return CsvAdapter()
    raise ValueError(f"format must be idoc, json, xml or csv, not {format_name!r}")

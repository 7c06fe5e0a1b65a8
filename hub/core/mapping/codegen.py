"""The inbound rules of a table as one generated Python function.

Compiled rules are closures, one call per rule and per repeating element; on a sales
order of ten items that is a few hundred calls, each of which does little. Measured
against hand-written code (``bench/mapping.py``) those calls were most of the
difference, so the rules of a table are turned once, at load, into the source of one
function that does what the closures do, in line: reads of IDoc fields and of
qualified segments, conversions, stores into the canonical dict, the loops of
repeating groups. What the generator has no inline form for (money rules, JSON and
XML paths, conditions, lookups) it calls as the closure it already is, so every
table gets a function and its outcome is the closure's, failure messages included.

The generated source is kept on the function (``__source__``) and registered with
``linecache``, so a traceback through it shows the lines.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hub.core.mapping.money import plain_decimal, to_places
from hub.core.mapping.paths import Path
from hub.core.mapping.steps import DocCtx, InRule, RuleFailure

Inbound = Callable[[Any, dict[str, Any], DocCtx], None]
"""(root element, canonical dict being built, ctx) -> None: a table's inbound work."""


@dataclass(frozen=True)
class FieldSpec:
    """What the generator needs to write a field rule in line (see ``fieldrules``)."""

    paths: list[Path]
    idoc: bool
    read: Callable[[Any, Any], Any]
    steps: tuple[tuple[Callable[..., Any], bool, dict[str, str] | None], ...]
    """The value pipeline step by step (``Converter.inbound_steps``)."""
    parts: tuple[str, ...]
    append: bool
    put: Callable[[dict[str, Any], Any], None]
    required: bool
    where: str
    source: str
    default: Any
    condition: Callable[[Any, Any], bool] | None
    tests: tuple[tuple[Path, Callable[[Any, Any], Any], frozenset[str] | None], ...] = ()
    """The condition's tests (path, reader, wanted values; None: any value), written in line."""


@dataclass(frozen=True)
class GroupSpec:
    """What the generator needs to write a repeating group in line (see ``groups``)."""

    each: Path | None
    idoc: bool
    iterate: Callable[[Any, DocCtx], Any] | None
    skip: Callable[[Any, DocCtx], bool] | None
    constants: dict[str, Any]
    rules: list[InRule]
    required: bool
    name: str
    label: str
    target: tuple[str, ...]


@dataclass(frozen=True)
class MoneySpec:
    """What the generator needs to write a money rule in line (see ``moneyrules``)."""

    amount: Path
    currency: Path | None
    idoc: bool
    read_amount: Callable[[Any, Any], Any]
    read_currency: Callable[[Any, Any], Any] | None
    amount_in: Callable[[Any], Any] | None
    default_currency: str | None
    currency_in: dict[str, str] | None
    places: Callable[[str], int] | None
    """Decimal places of a currency (None: the amount is kept as it came)."""
    parts: tuple[str, ...]
    put: Callable[[dict[str, Any], Any], None]
    required: bool
    name: str
    source: str


Spec = FieldSpec | GroupSpec | MoneySpec


@dataclass
class _Level:
    """One level of the generated code: the element its rules read (``node``), where
    its body starts, and the segments its rules read fields of, each found once."""

    node: str
    indent: int
    start: int
    prologue: list[str] = field(default_factory=list)
    found: dict[tuple[str, tuple[tuple[str, str], ...]], str] = field(default_factory=dict)
    fields: str | None = None
    """The variable holding ``node.fields``, once a rule reads one of them."""
    touched: set[str] = field(default_factory=set)
    """Keys of the canonical dict a rule of this level may have written so far."""
    created: set[str] = field(default_factory=set)
    """Nested objects (``quantity`` of ``quantity.unit``) certainly in the dict by now."""
    opaque: bool = False
    """Whether a compiled closure wrote to the dict at this level (then nothing is known)."""


@dataclass
class _Source:
    """Lines being written and the objects they refer to by name."""

    lines: list[str] = field(default_factory=list)
    names: dict[str, Any] = field(default_factory=dict)
    ids: dict[int, str] = field(default_factory=dict)
    ctx_calls: int = 0
    """Compiled closures called with the context so far (they may read ``ctx.parents``)."""
    levels: list[_Level] = field(default_factory=list)
    """The levels being written, outermost first (the function, then each group's loop)."""
    segments: int = 0

    def ref(self, value: Any) -> str:
        """A name under which the generated code sees ``value``."""
        known = self.ids.get(id(value))
        if known is None:
            known = f"k{len(self.names)}"
            self.names[known] = value
            self.ids[id(value)] = known
        return known

    def add(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def open_level(self, node: str, indent: int) -> None:
        """Start the body of a level whose rules read ``node``."""
        self.levels.append(_Level(node, indent, len(self.lines)))

    def close_level(self) -> None:
        """End the innermost level: its segment searches go before its rules."""
        level = self.levels.pop()
        self.lines[level.start:level.start] = level.prologue

    def own_fields(self, level: _Level) -> str:
        """The variable holding the fields of ``level``'s element (looked up once)."""
        if level.fields is None:
            level.fields = f"d{self.segments}"
            self.segments += 1
            level.prologue.append(f"{'    ' * level.indent}{level.fields} = {level.node}.fields")
        return level.fields

    def segment(self, level: _Level, name: str, predicates: tuple[tuple[str, str], ...]) -> str:
        """The variable holding the first child of ``level``'s element named ``name`` that
        satisfies ``predicates`` (None if there is none), searched once per element: the
        same qualified segment is often read for several fields (E1EDK01 CURCY, BELNR, ...)."""
        key = (name, predicates)
        known = level.found.get(key)
        if known is None:
            known = level.found[key] = f"g{self.segments}"
            self.segments += 1
            pad = "    " * level.indent
            conditions = "".join(f" and s_.fields.get({k!r}) == {v!r}" for k, v in predicates)
            level.prologue += [f"{pad}{known} = None", f"{pad}for s_ in {level.node}.children:",
                               f"{pad}    if s_.name == {name!r}{conditions}:",
                               f"{pad}        {known} = s_", f"{pad}        break"]
        return known


def _one_step(path: Path) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """(segment name, predicates) of a relative one-step IDoc path, else None."""
    if path.control or path.absolute or len(path.steps) != 1:
        return None
    step = path.steps[0]
    return step.name, step.predicates


def _conditions(src: _Source, var: str, predicates: tuple[tuple[str, str], ...]) -> str:
    return "".join(f" and {var}.fields.get({key!r}) == {value!r}" for key, value in predicates)


def _read_path(src: _Source, path: Path | None, idoc: bool, reader: Callable[[Any, Any], Any], indent: int,
               node: str, value: str) -> None:
    """Assign the value at ``path`` (None when absent) to ``value``: IDoc fields of the
    current segment, of the enclosing group's (``../``) or of a segment one step away
    (from the root for ``/...``) in line, anything else through its compiled reader."""
    if idoc and path is not None and not path.control and path.field is not None:
        level = src.levels[0] if path.absolute else src.levels[-2] if path.up else src.levels[-1]
        get = f"fields.get({path.field!r}) or None"
        if not path.steps:
            src.add(indent, f"{value} = {src.own_fields(level)}.get({path.field!r}) or None")
            return
        if len(path.steps) == 1:
            found = src.segment(level, path.steps[0].name, path.steps[0].predicates)
            src.add(indent, f"{value} = None if {found} is None else {found}.{get}")
            return
    src.ctx_calls += 1
    src.add(indent, f"{value} = {src.ref(reader)}({node}, ctx)")


def _read(src: _Source, spec: FieldSpec, indent: int, node: str, value: str) -> None:
    """Assign the rule's source value (None when absent) to ``value``."""
    path = spec.paths[0] if len(spec.paths) == 1 else None
    _read_path(src, path, spec.idoc, spec.read, indent, node, value)


def _put(src: _Source, spec: FieldSpec | MoneySpec, indent: int, out: str, value: str) -> None:
    parts = spec.parts
    append = isinstance(spec, FieldSpec) and spec.append
    if append and len(parts) == 1:
        src.add(indent, f"{out}.setdefault({parts[0]!r}, []).append({value})")
    elif not append and len(parts) == 1:
        src.add(indent, f"{out}[{parts[0]!r}] = {value}")
    elif not append and len(parts) == 2:
        level = src.levels[-1]
        parent, child = parts
        if parent in level.created:
            src.add(indent, f"{out}[{parent!r}][{child!r}] = {value}")
        elif not level.opaque and parent not in level.touched:
            src.add(indent, f"{out}[{parent!r}] = {{{child!r}: {value}}}")
        else:
            src.add(indent, f"h_ = {out}.get({parent!r})")
            src.add(indent, "if h_ is None:")
            src.add(indent + 1, f"h_ = {out}[{parent!r}] = {{}}")
            src.add(indent, f"h_[{child!r}] = {value}")
    else:
        src.add(indent, f"{src.ref(spec.put)}({out}, {value})")


def _steps(src: _Source, spec: FieldSpec, indent: int, value: str) -> None:
    """The pipeline on a value known not to be None, stopping at the first None."""
    for index, (function, takes_ctx, table) in enumerate(spec.steps):
        if index:
            src.add(indent, f"if {value} is not None:")
            indent += 1
        src.ctx_calls += takes_ctx
        call = f"{src.ref(function)}({value}, ctx)" if takes_ctx else f"{src.ref(function)}({value})"
        if table is None:
            src.add(indent, f"{value} = {call}")
            continue
        # Only text is looked up in line; anything else (a JSON number, a list) goes to the
        # translation, which refuses or converts it as the closure would.
        src.add(indent, f"t_ = {src.ref(table)}.get({value}) if type({value}) is str else None")
        src.add(indent, f"{value} = {call} if t_ is None else t_")


def _field(src: _Source, spec: FieldSpec, indent: int, depth: int) -> None:
    node, out, found, value = f"n{depth}", f"o{depth}", f"f{depth}", f"v{depth}"
    if spec.condition is not None and spec.tests:
        for path, reader, wanted in spec.tests:
            _read_path(src, path, spec.idoc, reader, indent, node, "w_")
            if wanted is None:
                src.add(indent, "if w_ is not None and w_ != '':")
            else:
                src.add(indent, f"if str(w_) in {src.ref(wanted)}:")
            indent += 1
    elif spec.condition is not None:
        src.ctx_calls += 1
        src.add(indent, f"if {src.ref(spec.condition)}({node}, ctx):")
        indent += 1
    _read(src, spec, indent, node, value)
    where, source = src.ref(spec.where), src.ref(spec.source)
    if spec.steps:
        src.add(indent, f"if {value} is not None:")
        src.add(indent + 1, "try:")
        _steps(src, spec, indent + 2, value)
        src.add(indent + 1, "except ValueError as e_:")
        src.add(indent + 2, f"raise RF_.of({where}, {source}, e_) from None")
    src.add(indent, f"if {value} is not None:")
    _put(src, spec, indent + 1, out, value)
    src.add(indent + 1, f"{found} = True")
    if spec.default is not None:
        src.add(indent, "else:")
        _put(src, spec, indent + 1, out, src.ref(spec.default))
    elif spec.required:
        src.add(indent, "else:")
        src.add(indent + 1, f"raise RF_({where}, {source}, 'required value is missing')")
    level = src.levels[-1]
    if not spec.tests and spec.condition is None and (spec.required or spec.default is not None):
        level.created.add(spec.parts[0])  # written, or the document failed
    level.touched.add(spec.parts[0])


def _money(src: _Source, spec: MoneySpec, indent: int, depth: int) -> None:
    node, out, found, value = f"n{depth}", f"o{depth}", f"f{depth}", f"v{depth}"
    currency = f"c{depth}"
    name, source = src.ref(spec.name), src.ref(spec.source)
    _read_path(src, spec.amount, spec.idoc, spec.read_amount, indent, node, value)
    src.add(indent, f"if {value} is not None:")
    body = indent + 1
    src.add(body, "try:")
    inner = body + 1
    if spec.amount_in is not None:
        src.add(inner, f"{value} = {src.ref(spec.amount_in)}({value})")
    src.add(inner, f"if {value} is not None:")
    work = inner + 1
    src.add(work, f"if type({value}) is not Decimal_:")
    src.add(work + 1, f"{value} = plain_decimal_({value})")
    if spec.currency is not None and spec.read_currency is not None:
        _read_path(src, spec.currency, spec.idoc, spec.read_currency, work, node, currency)
        if spec.default_currency is not None:
            src.add(work, f"{currency} = {currency} or {src.ref(spec.default_currency)}")
    else:
        src.add(work, f"{currency} = {src.ref(spec.default_currency)}")
    src.add(work, f"if {currency} is None:")
    src.add(work + 1, f"raise ValueError(f'amount {{{value}}} has no currency')")
    src.add(work, f"if not isinstance({currency}, str):")
    src.add(work + 1, f"raise ValueError(f'currency {{{currency}!r}} is not a currency code')")
    if spec.currency_in is not None:
        table = src.ref(spec.currency_in)
        src.add(work, f"{currency} = {table}.get({currency}, {currency})")
    if spec.places is not None:
        src.add(work, f"{value} = to_places_({value}, {src.ref(spec.places)}({currency}), {currency})")
    _put(src, spec, work, out, f"{{'amount': {value}, 'currency': {currency}}}")
    src.levels[-1].touched.add(spec.parts[0])
    src.add(work, f"{found} = True")
    if spec.required:
        src.add(inner, "else:")
        src.add(inner + 1, "raise ValueError('required amount is missing')")
    src.add(body, "except ValueError as e_:")
    src.add(body + 1, f"raise RF_.of({name}, {source}, e_) from None")
    if spec.required:
        src.add(indent, "else:")
        src.add(indent + 1, f"raise RF_({name}, {source}, 'required amount is missing')")


def _group(src: _Source, spec: GroupSpec, specs: dict[Any, Spec], indent: int, depth: int) -> None:
    node, out, found = f"n{depth}", f"o{depth}", f"f{depth}"
    inner = depth + 1
    element, item, inner_found, items, position = f"n{inner}", f"o{inner}", f"f{inner}", f"i{inner}", f"p{inner}"
    src.add(indent, f"{items} = []")
    calls_before, push_at = src.ctx_calls, len(src.lines)
    src.add(indent, f"ctx.parents.append({node})")
    each = spec.each
    step = _one_step(each) if each is not None and spec.idoc else None
    body = indent + 1
    if each is None:
        src.add(indent, f"for {element} in ({node},):")
        where = "1"
    elif step is not None:
        name, predicates = step
        src.add(indent, f"for {element} in {node}.children:")
        src.add(body, f"if {element}.name != {name!r}:")
        src.add(body + 1, "continue")
        if predicates:
            src.add(body, f"if not (True{_conditions(src, element, predicates)}):")
            src.add(body + 1, "continue")
        # The element's place among those the group takes, counted only for an error message.
        where = f"position_({node}.children, {element}, {src.ref(name)}, {src.ref(predicates)})"
    else:
        src.ctx_calls += 1
        src.add(indent, f"{position} = 0")
        src.add(indent, f"for {element} in {src.ref(spec.iterate)}({node}, ctx):")
        src.add(body, f"{position} += 1")
        where = position
    if spec.skip is not None:
        src.ctx_calls += 1
        src.add(body, f"if {src.ref(spec.skip)}({element}, ctx):")
        src.add(body + 1, "continue")
    src.add(body, f"{item} = {src.ref(spec.constants)}.copy()" if spec.constants else f"{item} = {{}}")
    src.add(body, f"{inner_found} = False")
    src.add(body, "try:")
    src.open_level(element, body + 1)
    src.levels[-1].touched.update(spec.constants)
    _rules(src, spec.rules, specs, body + 1, inner)
    src.close_level()
    src.add(body, "except RF_ as x_:")
    src.add(body + 1, f"raise x_.within(f'{{{src.ref(spec.name)}}}.{{len({items})}}',"
                      f" f'{{{src.ref(spec.label)}}}#{{getattr({element}, \"number\", 0) or {where}}}') from None")
    src.add(body, f"if {inner_found}:")
    src.add(body + 1, f"{items}.append({item})")
    if src.ctx_calls == calls_before:
        del src.lines[push_at]  # nothing inside reads ctx.parents
    else:
        src.add(indent, "ctx.parents.pop()")
    src.add(indent, f"if {items}:")
    holder = out
    for parent in spec.target[:-1]:
        src.add(indent + 1, f"h_ = {holder}.setdefault({parent!r}, {{}})")
        holder = "h_"
    src.add(indent + 1, f"{holder}.setdefault({spec.target[-1]!r}, []).extend({items})")
    src.levels[-1].touched.add(spec.target[0])
    src.add(indent + 1, f"{found} = True")
    if spec.required:
        src.add(indent, "else:")
        src.add(indent + 1, f"raise RF_({src.ref(spec.name)}, {src.ref(spec.label)},"
                            " 'at least one element is required, none was found')")


def _position(children: list[Any], element: Any, name: str, predicates: tuple[tuple[str, str], ...]) -> int:
    """The 1-based place of ``element`` among the children a group takes (for messages)."""
    place = 0
    for child in children:
        if child.name == name and all(child.fields.get(k) == v for k, v in predicates):
            place += 1
        if child is element:
            break
    return place


def _rules(src: _Source, rules: list[InRule], specs: dict[Any, Spec], indent: int, depth: int) -> None:
    for rule in rules:
        spec = specs.get(rule)
        if isinstance(spec, FieldSpec):
            _field(src, spec, indent, depth)
        elif isinstance(spec, GroupSpec):
            _group(src, spec, specs, indent, depth)
        elif isinstance(spec, MoneySpec):
            _money(src, spec, indent, depth)
        else:
            src.ctx_calls += 1
            src.levels[-1].opaque = True
            src.add(indent, f"if {src.ref(rule)}(n{depth}, o{depth}, ctx):")
            src.add(indent + 1, f"f{depth} = True")
    if not rules:
        src.add(indent, "pass")


def generate(file: str, rules: list[InRule], specs: dict[Any, Spec]) -> Inbound:
    """One function doing what ``rules`` do in turn, written for this table."""
    src = _Source()
    src.add(0, "def inbound(n0, o0, ctx):")
    src.add(1, "f0 = False")
    src.open_level("n0", 1)
    _rules(src, rules, specs, 1, 0)
    src.close_level()
    text = "\n".join(src.lines) + "\n"
    filename = f"<mapping table {file}>"
    namespace: dict[str, Any] = {"RF_": RuleFailure, "Decimal_": Decimal, "plain_decimal_": plain_decimal,
                                 "to_places_": to_places, "position_": _position, **src.names}
    exec(compile(text, filename, "exec"), namespace)  # our own generated source
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    function: Inbound = namespace["inbound"]
    function.__source__ = text  # type: ignore[attr-defined]  # kept on the function for readers of a traceback
    return function

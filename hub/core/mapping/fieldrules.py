"""Field rules and money rules: one canonical value from one (or several) source values.

Inbound a field rule reads its source, runs its transforms in order, translates
through its value list and resolves a key-map lookup; outbound it does the reverse
in reverse order (reverse lookup, value list backwards, each transform's reverse).
A money rule reads an amount and its currency together, so the amount can be held to
the currency's decimal places both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from hub.core.mapping import canonical
from hub.core.mapping.codegen import FieldSpec
from hub.core.mapping.convert import Converter, build_converter
from hub.core.mapping.keys import KeyReader
from hub.core.mapping.loader import YList, YMap
from hub.core.mapping.moneyrules import build_money_rule
from hub.core.mapping.paths import Ctx, Path, Step, make_reader, make_writer
from hub.core.mapping.steps import DocCtx, InRule, OutRule, RuleFailure, RuleRow, make_getter, make_putter

if TYPE_CHECKING:
    from hub.core.mapping.compiler import RuleCompiler

Compiled = tuple[InRule | None, OutRule | None, list[tuple[str, ...]]]


def _sources(c: RuleCompiler, rule: YMap, where: str, scope: tuple[Step, ...]) -> list[Path] | None:
    raw = rule.get("source")
    line = rule.line_of("source")
    texts = list(raw) if isinstance(raw, YList) else [raw]
    if not texts or not all(isinstance(t, str) for t in texts):
        c.problem(line, where, "source must be a path or a list of paths")
        return None
    paths = [c.path(text, line, where, want_field=True) for text in texts]
    if any(p is None for p in paths):
        return None
    for path in paths:
        assert path is not None
        c.note_mapped(scope, path)
    return [p for p in paths if p is not None]


def _constant_rule(c: RuleCompiler, rule: YMap, model: type[BaseModel], scope: tuple[Step, ...],
                   prefix: str, direction: str) -> Compiled | None:
    value = rule["const"]
    if "target" in rule and "source" in rule:
        c.problem(rule.line_of("const"), f"{prefix}{rule['target']}",
                  "a constant takes a target (set inbound) or a source (written outbound), not both")
        return None
    if "target" in rule:
        resolved = c.resolve_target(rule, model, prefix)
        if resolved is None:
            return None
        target, shapes = resolved
        reason = canonical.check_value(shapes[-1].annotation, value)
        if reason:
            c.problem(rule.line_of("const"), f"{prefix}{target}", f"constant {value!r} does not fit: {reason}")
            return None
        coerced = canonical.coerce(shapes[-1].annotation, value)
        put = make_putter(tuple(target.split(".")), append=False)
        c.rows.append(RuleRow("inbound", "", f"{prefix}{target}", f"const {value!r}", False, rule.line))
        holds = _condition(c, rule["when"], rule, f"{prefix}{target}", scope, inbound=True) \
            if "when" in rule else None

        def const_in(node: Any, out: dict[str, Any], ctx: DocCtx) -> bool:
            if holds is None or holds(node, ctx):
                put(out, coerced)
            return False

        if direction == "outbound":
            c.problem(rule.line_of("direction"), f"{prefix}{target}", "a constant with a target is inbound")
        return (const_in if c.inbound_enabled else None), None, [tuple(target.split("."))]
    paths = _sources(c, rule, str(rule.get("source")), scope) if "source" in rule else None
    if paths is None or len(paths) != 1 or isinstance(value, (dict, list)) or value is None:
        if "source" not in rule:
            c.problem(rule.line, None, "a constant needs a target (inbound) or a source (outbound)")
        elif paths is not None:
            c.problem(rule.line_of("const"), paths[0].text, "an outbound constant is one text for one source")
        return None
    write = make_writer(c.adapter, paths[0])
    text = str(value).lower() if isinstance(value, bool) else str(value)
    c.rows.append(RuleRow("outbound", paths[0].text, "", f"const {text!r}", False, rule.line))
    holds = _condition(c, rule["when"], rule, paths[0].text, scope, inbound=False) if "when" in rule else None

    def const_out(data: dict[str, Any], node: Any, ctx: DocCtx) -> None:
        if holds is None or holds(data, None):
            write(node, ctx, text)

    return None, (const_out if c.outbound_enabled else None), []


def compile_field_rule(c: RuleCompiler, rule: YMap, model: type[BaseModel], scope: tuple[Step, ...],
                       prefix: str, direction: str) -> Compiled | None:
    """One canonical field from one or more source fields (or a constant)."""
    if "const" in rule:
        return _constant_rule(c, rule, model, scope, prefix, direction)
    resolved = c.resolve_target(rule, model, prefix)
    if resolved is None:
        return None
    target, shapes = resolved
    where = f"{prefix}{target}"
    leaf = shapes[-1]
    if leaf.is_list and leaf.model is not None:
        c.problem(rule.line_of("target"), where, "a list of objects needs a group rule (each/rules)")
        return None
    if "source" not in rule:
        c.problem(rule.line, where, "the rule needs a source path (or a const)")
        return None
    paths = _sources(c, rule, where, scope)
    required = rule.get("required", False)
    if not isinstance(required, bool):
        c.problem(rule.line_of("required"), where, "required must be true or false")
        return None
    annotation = leaf.item_annotation if leaf.is_list else leaf.annotation
    converter = build_converter(c, rule, where, annotation, len(paths or [None]))
    if paths is None or converter is None:
        return None
    when = rule.get("when")
    reversible = converter.reversible and when is None
    why = "a condition (when)" if when is not None else f"transform {converter.irreversible}"
    want_in, want_out = c.wants(direction, reversible, rule, where, why)
    if want_out and any(p.up for p in paths):
        c.problem(rule.line_of("source"), where, "a ../ path is read inbound only: set `direction: inbound`")
        return None
    parts = tuple(target.split("."))
    c.sources[where] = ", ".join(p.text for p in paths)
    c.note_columns(rule, where, paths, required)
    c.rows.append(RuleRow(direction, ", ".join(p.text for p in paths), where, converter.describe(), required,
                       rule.line))
    condition_in = _condition(c, when, rule, where, scope, inbound=True) if when is not None else None
    condition_out = _condition(c, when, rule, where, scope, inbound=False) \
        if when is not None and direction == "outbound" else None
    # Failures name the target relative to its group; the group adds the element's position.
    rule_in = _field_in(c, paths, parts, leaf.is_list, converter, required, target, condition_in) \
        if want_in else None
    rule_out = _field_out(c, paths, parts, leaf.is_list, converter, required, target, condition_out) \
        if want_out else None
    if rule_in is not None:
        c.specs[rule_in] = _field_spec(c, paths, parts, leaf.is_list, converter, required, target, condition_in)
    if rule_in is not None and converter.lookup_type is not None and converter.lookup_system is not None:
        c.key_readers.append(KeyReader(c.groups, _source_reader(c, paths), converter.before_lookup,
                                       converter.lookup_system, converter.lookup_type))
    return rule_in, rule_out, [parts]


ANY_VALUE = "*"


def _condition(c: RuleCompiler, when: Any, rule: YMap, where: str, scope: tuple[Step, ...],
               inbound: bool) -> Any:
    """``when: {PATH: value-or-list-or-"*"}``: source paths inbound, canonical paths for outbound
    rules; ``"*"`` holds when the path has any value."""
    if not isinstance(when, dict) or not when:
        c.problem(rule.line_of("when"), where, "when must map paths to a value or a list of values")
        return None
    reads: list[tuple[Callable[[Any, Ctx], Any], frozenset[str] | None]] = []
    tests: list[tuple[Path, Callable[[Any, Ctx], Any], frozenset[str] | None]] = []
    gets: list[tuple[Callable[[dict[str, Any]], Any], frozenset[str] | None]] = []
    for text, expected in when.items():
        # "*" asks only that the path has a value (e.g. a confirmed quantity was sent).
        wanted = None if expected == ANY_VALUE else \
            frozenset(str(v) for v in (expected if isinstance(expected, list) else [expected]))
        if inbound:
            path = c.path(text, rule.line_of("when"), where, want_field=True)
            if path is None:
                return None
            c.note_mapped(scope, path)
            reads.append((make_reader(c.adapter, path), wanted))
            tests.append((path, reads[-1][0], wanted))
        else:
            gets.append((make_getter(tuple(str(text).split("."))), wanted))

    def holds_in(node: Any, ctx: DocCtx) -> bool:
        return all(_fits(read(node, ctx), wanted) for read, wanted in reads)

    def holds_out(data: dict[str, Any], ctx: None) -> bool:
        return all(_fits(get(data), wanted) for get, wanted in gets)

    if inbound:
        c.conditions[holds_in] = tuple(tests)
    return holds_in if inbound else holds_out


def _fits(value: Any, wanted: frozenset[str] | None) -> bool:
    """Whether a value satisfies a condition: one of ``wanted``, or any value when None."""
    if wanted is None:
        return value is not None and value != ""
    return str(value) in wanted


def _missing(required: bool, where: str, source: str) -> bool:
    if required:
        raise RuleFailure(where, source, "required value is missing")
    return False


def _source_reader(c: RuleCompiler, paths: list[Path]) -> Any:
    """(node, ctx) -> the source value; with several paths the list of their values
    (None when all are absent)."""
    if len(paths) == 1:
        return make_reader(c.adapter, paths[0])
    readers = [make_reader(c.adapter, p) for p in paths]

    def read(node: Any, ctx: DocCtx) -> Any:
        values = [r(node, ctx) for r in readers]
        return values if any(v is not None for v in values) else None

    return read


def _field_spec(c: RuleCompiler, paths: list[Path], parts: tuple[str, ...], append: bool,
                converter: Converter, required: bool, where: str, condition: Any) -> FieldSpec:
    """The rule as the code generator writes it in line (the same steps as ``_field_in``)."""
    return FieldSpec(paths, c.adapter.name == "idoc", _source_reader(c, paths), converter.inbound_steps, parts,
                     append, make_putter(parts, append), required, where, ", ".join(p.text for p in paths),
                     converter.default, condition, c.conditions.get(condition, ()) if condition is not None else ())


def _field_in(c: RuleCompiler, paths: list[Path], parts: tuple[str, ...], append: bool,
              converter: Converter, required: bool, where: str, condition: Any) -> InRule:
    put = make_putter(parts, append)
    default = converter.default
    source = ", ".join(p.text for p in paths)
    convert = converter.inbound
    read = _source_reader(c, paths)
    plain = converter.inbound_plain
    if condition is None and (plain is not None or convert is None) and default is None \
            and len(parts) <= 2 and not append:
        return _direct_in(c, paths, parts, plain, required, where, source, read)
    if condition is None and plain is not None and default is None:
        # The common case, kept to the fewest calls: read, convert, store.
        def field_in_plain(node: Any, out: dict[str, Any], ctx: DocCtx) -> bool:
            value = read(node, ctx)
            if value is not None:
                try:
                    value = plain(value)
                except ValueError as exc:
                    raise RuleFailure.of(where, source, exc) from None
                if value is not None:
                    put(out, value)
                    return True
            return _missing(required, where, source)

        return field_in_plain

    def field_in(node: Any, out: dict[str, Any], ctx: DocCtx) -> bool:
        if condition is not None and not condition(node, ctx):
            return False
        value = read(node, ctx)
        if value is not None and convert is not None:
            try:
                value = convert(value, ctx)
            except ValueError as exc:
                raise RuleFailure.of(where, source, exc) from None
        if value is None:
            if default is not None:
                put(out, default)
                return False
            return _missing(required, where, source)
        put(out, value)
        return True

    return field_in


def _direct_in(c: RuleCompiler, paths: list[Path], parts: tuple[str, ...], plain: Any, required: bool,
               where: str, source: str, read: Any) -> InRule:
    """The most common rule shape with reading and storing inlined (the inbound hot path).

    One source, no condition or default, a target of one or two parts; an IDoc field of
    the current segment is read straight from its dict.
    """
    own_field = paths[0].field if (c.adapter.name == "idoc" and len(paths) == 1 and not paths[0].steps
                                   and not paths[0].control and not paths[0].up) else None
    first, name = (None, parts[0]) if len(parts) == 1 else parts

    def field_in_direct(node: Any, out: dict[str, Any], ctx: DocCtx) -> bool:
        value = (node.fields.get(own_field) or None) if own_field is not None else read(node, ctx)
        if value is not None:
            if plain is not None:
                try:
                    value = plain(value)
                except ValueError as exc:
                    raise RuleFailure.of(where, source, exc) from None
            if value is not None:
                if first is None:
                    out[name] = value
                else:
                    holder = out.get(first)
                    if holder is None:
                        holder = out[first] = {}
                    holder[name] = value
                return True
        return _missing(required, where, source)

    return field_in_direct


def _field_out(c: RuleCompiler, paths: list[Path], parts: tuple[str, ...], is_list: bool,
               converter: Converter, required: bool, where: str, condition: Any) -> OutRule:
    get = make_getter(parts)
    writers = [make_writer(c.adapter, p) for p in paths]
    write = writers[0]
    source = ", ".join(p.text for p in paths)
    convert = converter.outbound

    def field_out(data: dict[str, Any], node: Any, ctx: DocCtx) -> None:
        if condition is not None and not condition(data, None):
            return
        value = get(data)
        if is_list:
            value = value[0] if value else None
        if value is not None and convert is not None:
            try:
                value = convert(value, ctx)
            except ValueError as exc:
                raise RuleFailure.of(where, source, exc) from None
        if value is None:
            _missing(required, where, source)
            return
        if len(writers) == 1:
            write(node, ctx, value)
            return
        for writer, part in zip(writers, value, strict=True):
            if part:
                writer(node, ctx, part)

    return field_out


def compile_money_rule(c: RuleCompiler, rule: YMap, model: type[BaseModel], scope: tuple[Step, ...],
                       prefix: str, direction: str) -> Compiled | None:
    """An amount and its currency into a ``Money`` field, with per-currency decimal places."""
    resolved = c.resolve_target(rule, model, prefix)
    if resolved is None:
        return None
    target, shapes = resolved
    where = f"{prefix}{target}"
    leaf = shapes[-1]
    if leaf.model is None or leaf.is_list or set(leaf.model.model_fields) != {"amount", "currency"}:
        c.problem(rule.line_of("target"), where, "a money rule's target must be a Money field")
        return None
    return build_money_rule(c, rule, scope, where, tuple(target.split(".")), direction)

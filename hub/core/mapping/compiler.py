"""Compiling a table's rules into closures, checking each against the canonical model.

Every rule becomes one inbound closure (source tree -> canonical dict) and/or one
outbound closure (canonical dict -> external tree), with its paths, transforms, value
lists and lookups already resolved, so mapping a document does no parsing and no
name look-ups. Mistakes are collected as ``MappingProblem``s (file, line, field) and
compilation goes on, so one run reports every problem of a table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from hub.core.errors import MappingProblem
from hub.core.mapping import canonical
from hub.core.mapping.codegen import GroupSpec, Spec
from hub.core.mapping.fieldrules import compile_field_rule, compile_money_rule
from hub.core.mapping.groups import build_group
from hub.core.mapping.keys import Iterate, KeyReader
from hub.core.mapping.loader import YList, YMap
from hub.core.mapping.paths import (
    Path,
    Step,
    TreeAdapter,
    make_adder,
    make_iterator,
    make_reader,
    parse_column,
    parse_path,
)
from hub.core.mapping.steps import InRule, OutRule, RuleRow
from hub.core.mapping.unknown import ERROR, UnknownPolicy
from hub.core.mapping.values import ValueList

DIRECTIONS = ("both", "inbound", "outbound")
FIELD_KEYS = {"target", "source", "const", "default", "transform", "values", "unknown", "lookup",
              "lookup_system", "required", "when", "direction", "note", "invalid"}
INVALID_POLICIES = ("drop", "fail")
"""What a list format does with an invalid value in a column (a field rule's ``invalid``):
import the row without it (``drop``, the default), or fail the row."""
MONEY_KEYS = {"target", "money", "transform", "currency_values", "precision", "required", "direction",
              "note"}
GROUP_KEYS = {"target", "each", "match", "rules", "required", "direction", "note", "skip_if_equal"}


@dataclass(frozen=True)
class Mapped:
    """A source location a table reads: element names, last step's predicates, field."""

    names: tuple[str, ...]
    predicates: tuple[tuple[str, str], ...]
    field: str


class RuleCompiler:
    """Compiles the rules of one table; read ``problems`` afterwards."""

    def __init__(self, file: str, adapter: TreeAdapter, system: str,
                 value_list: Callable[[str], ValueList | None], inbound: bool, outbound: bool,
                 unknown_codes: dict[str, UnknownPolicy] | None = None) -> None:
        self.file = file
        self.adapter = adapter
        self.system = system
        self.value_list = value_list
        self.inbound_enabled = inbound
        self.outbound_enabled = outbound
        self.unknown_codes = unknown_codes or {}
        """The table's ``unknown_codes``: policy per value list name, ``*`` for any list."""
        self.problems: list[MappingProblem] = []
        self.rows: list[RuleRow] = []
        self.mapped: list[Mapped] = []
        self.sources: dict[str, str] = {}
        """Canonical path (list positions as ``*``) -> source path, for validation errors."""
        self.specs: dict[Any, Spec] = {}
        self.conditions: dict[Any, tuple[Any, ...]] = {}
        """Each inbound ``when`` closure's tests (path, reader, wanted values), for ``codegen``."""
        """What the code generator needs of each inbound rule it writes in line (``codegen``)."""
        self.key_readers: list[KeyReader] = []
        """The inbound key-map lookups of the table, found before mapping (``keys``)."""
        self.groups: tuple[Iterate, ...] = ()
        """Iterators of the repeating groups being compiled, outermost first."""
        self.outer_scopes: tuple[tuple[Step, ...], ...] = ()
        """The scope each group being compiled sits in, outermost first: where ``../`` reads."""
        self.columns_of: dict[str, list[str]] = {}
        """List formats: canonical path (list positions as ``*``) -> the columns its rules read."""
        self.fail_on_invalid: set[str] = set()
        """List formats: canonical paths whose invalid value fails the row (required, or ``invalid: fail``)."""

    def unknown_policy(self, value_list: str) -> UnknownPolicy:
        """The table's policy for codes missing from ``value_list`` (``error`` unless it says)."""
        return self.unknown_codes.get(value_list) or self.unknown_codes.get("*") or ERROR

    def problem(self, line: int | None, field: str | None, message: str) -> None:
        """Record one problem of this table."""
        self.problems.append(MappingProblem(self.file, line, field, message))

    def note_columns(self, rule: YMap, where: str, paths: list[Path], required: bool) -> None:
        """Remember which columns feed ``where`` and what an invalid value there does
        (``invalid``, which only list formats know)."""
        policy = rule.get("invalid")
        line = rule.line_of("invalid")
        if policy is not None and self.adapter.name != "csv":
            self.problem(line, where, "invalid applies to list formats (format: csv) only")
            return
        if policy is not None and policy not in INVALID_POLICIES:
            self.problem(line, where, "invalid must be drop (the row is imported without the value, the"
                                      " default) or fail (the row fails)")
            return
        if policy is not None and required:
            self.problem(line, where, "a required value that is invalid always fails the row: leave out invalid")
            return
        if self.adapter.name == "csv":
            self.columns_of.setdefault(where, []).extend(p.field for p in paths if p.field)
            if required or policy == "fail":
                self.fail_on_invalid.add(where)

    # -- paths ------------------------------------------------------------------------

    def path(self, text: Any, line: int, where: str, *, want_field: bool) -> Path | None:
        """Parse a source path of this table's format, or record why it is wrong."""
        try:
            if self.adapter.name == "csv":
                if not want_field:
                    raise ValueError("a list format's rows have no repeating elements: leave out each")
                path = parse_column(text)
            else:
                path = parse_path(text, separator=self.adapter.separator,
                                  field_separator=self.adapter.field_separator, want_field=want_field)
        except ValueError as exc:
            self.problem(line, where, str(exc))
            return None
        if path.up and not self.outer_scopes:
            self.problem(line, where, f"path {path.text!r}: ../ reads the enclosing group's element, and this"
                                      " rule is in no group")
            return None
        return path

    def note_mapped(self, scope: tuple[Step, ...], path: Path) -> None:
        """Remember that ``path`` (inside ``scope``) is read, for the unmapped report."""
        if path.control:
            return
        if path.up:
            scope = self.outer_scopes[-1] if self.outer_scopes else ()
        steps = path.steps if path.absolute else scope + path.steps
        names = tuple(step.name for step in steps)
        for depth, step in enumerate(steps):
            for key, _ in step.predicates:
                # A qualifier is read to select segments, whatever its value.
                self.mapped.append(Mapped(names[: depth + 1], (), key))
        if path.field is not None:
            last_predicates = steps[-1].predicates if steps else ()
            self.mapped.append(Mapped(names, last_predicates, path.field))
            if self.adapter.name == "xml":
                # An element's text is both "child of its parent" and "." of itself.
                if path.field == "." and names:
                    self.mapped.append(Mapped(names[:-1], (), names[-1]))
                elif not path.field.startswith("@"):
                    self.mapped.append(Mapped((*names, path.field), (), "."))

    # -- levels -----------------------------------------------------------------------

    def compile_level(self, rules: Any, line: int, model: type[BaseModel], scope: tuple[Step, ...],
                      prefix: str, preset: set[str]) -> tuple[list[InRule], list[OutRule]]:
        """Compile the rules of one level (document, or one group's elements)."""
        inbound: list[InRule] = []
        outbound: list[OutRule] = []
        if not isinstance(rules, YList):
            self.problem(line, prefix.rstrip(".") or "rules", "rules must be a list of rules")
            return inbound, outbound
        covered: list[tuple[str, ...]] = [(name,) for name in preset]
        for index, rule in enumerate(rules):
            rule_line = rules.lines[index]
            if not isinstance(rule, YMap):
                self.problem(rule_line, None, "each rule must be a mapping with at least a target or source")
                continue
            compiled = self.compile_rule(rule, model, scope, prefix)
            if compiled is None:
                continue
            rule_in, rule_out, targets = compiled
            if rule_in is not None:
                inbound.append(rule_in)
                covered.extend(targets)
            if rule_out is not None:
                outbound.append(rule_out)
        if self.inbound_enabled:
            self.check_required(model, covered, prefix, line)
        return inbound, outbound

    def check_required(self, model: type[BaseModel], covered: list[tuple[str, ...]], prefix: str,
                       line: int) -> None:
        """Every required field of ``model`` must be produced inbound (and so on, nested)."""
        heads = {parts[0] for parts in covered if parts}
        for name in canonical.required_fields(model):
            if name not in heads:
                self.problem(line, f"{prefix}{name}",
                             f"required canonical field {prefix}{name} is not mapped by any inbound rule")
        for head in sorted(heads):
            nested = [parts[1:] for parts in covered if parts and parts[0] == head and len(parts) > 1]
            shape = canonical.shape(model, head)
            if nested and shape is not None and shape.model is not None and not shape.is_list \
                    and not shape.is_dict:
                self.check_required(shape.model, nested, f"{prefix}{head}.", line)

    def compile_rule(self, rule: YMap, model: type[BaseModel], scope: tuple[Step, ...], prefix: str
                     ) -> tuple[InRule | None, OutRule | None, list[tuple[str, ...]]] | None:
        """Dispatch one rule to its kind; None when it is broken (problems recorded)."""
        if "rules" in rule or "each" in rule or "match" in rule:
            kind, allowed = "group", GROUP_KEYS
        elif "money" in rule:
            kind, allowed = "money", MONEY_KEYS
        else:
            kind, allowed = "field", FIELD_KEYS
        target = rule.get("target")
        where = f"{prefix}{target}" if isinstance(target, str) else None
        unknown = sorted(set(rule) - allowed)
        for key in unknown:
            self.problem(rule.line_of(key), where or key,
                         f"unknown key {key!r} in a {kind} rule (allowed: {', '.join(sorted(allowed))})")
        direction = rule.get("direction", "both")
        if direction not in DIRECTIONS:
            self.problem(rule.line_of("direction"), where, "direction must be both, inbound or outbound")
            return None
        if unknown:
            return None
        if kind == "group":
            return self.compile_group(rule, model, scope, prefix, direction)
        if kind == "money":
            return compile_money_rule(self, rule, model, scope, prefix, direction)
        return compile_field_rule(self, rule, model, scope, prefix, direction)

    def resolve_target(self, rule: YMap, model: type[BaseModel], prefix: str
                       ) -> tuple[str, list[canonical.Shape]] | None:
        """The rule's target and the shapes along it, or None (problem recorded)."""
        target = rule.get("target")
        line = rule.line_of("target")
        if not isinstance(target, str) or not target.strip():
            self.problem(rule.line, None, "the rule needs a target (a canonical field)")
            return None
        try:
            return target.strip(), canonical.resolve(model, target.strip())
        except ValueError as exc:
            self.problem(line, f"{prefix}{target}", f"unknown canonical field: {exc}")
            return None

    def wants(self, direction: str, reversible: bool, rule: YMap, where: str, why: str
              ) -> tuple[bool, bool]:
        """(compile inbound?, compile outbound?) for a rule; flags irreversible two-way rules."""
        inbound = self.inbound_enabled and direction in ("both", "inbound")
        outbound = self.outbound_enabled and direction in ("both", "outbound")
        if outbound and direction == "both" and not reversible:
            self.problem(rule.line, where,
                         f"{why} cannot be reversed, but this table also renders outbound: set"
                         " `direction: inbound` and give the outbound direction its own rule")
            outbound = False
        return inbound, outbound

    # -- repeating groups -------------------------------------------------------------

    def compile_group(self, rule: YMap, model: type[BaseModel], scope: tuple[Step, ...], prefix: str,
                      direction: str) -> tuple[InRule | None, OutRule | None, list[tuple[str, ...]]] | None:
        """A list of canonical objects, one per source element (``each``) or from this level."""
        resolved = self.resolve_target(rule, model, prefix)
        if resolved is None:
            return None
        target, shapes = resolved
        where = f"{prefix}{target}"
        leaf = shapes[-1]
        if not leaf.is_list or leaf.model is None:
            self.problem(rule.line_of("target"), where, "a group rule's target must be a list of objects")
            return None
        each: Path | None = None
        if "each" in rule:
            each = self.path(rule["each"], rule.line_of("each"), where, want_field=False)
            if each is None:
                return None
            self.note_mapped(scope, Path(each.text, each.steps, None, each.absolute))
        inner_scope = scope if each is None else (each.steps if each.absolute else scope + each.steps)
        match = self.match_constants(rule, leaf.model, where)
        if match is None:
            return None
        skip = self.skip_condition(rule, inner_scope, where)
        if skip is False:
            return None
        required = rule.get("required", False) is True
        item_prefix = f"{where}.*."
        row_at = len(self.rows)
        saved = self.inbound_enabled, self.outbound_enabled, self.groups, self.outer_scopes
        iterate = make_iterator(self.adapter, each) if each is not None else None
        self.inbound_enabled = saved[0] and direction != "outbound"
        self.outbound_enabled = saved[1] and direction != "inbound"
        self.groups = saved[2] + (iterate,) if iterate is not None else saved[2]
        self.outer_scopes = saved[3] + (scope,)
        inbound, outbound = self.compile_level(rule.get("rules"), rule.line_of("rules"), leaf.model,
                                               inner_scope, item_prefix, set(match))
        self.inbound_enabled, self.outbound_enabled, self.groups, self.outer_scopes = saved
        where_match = ", ".join(f"{key}={value}" for key, value in (rule.get("match") or {}).items())
        self.rows.insert(row_at, RuleRow(direction, each.text if each else "(this level)", where,
                                         "group" + (f" where {where_match}" if match else ""), required,
                                         rule.line))
        want_in, want_out = self.wants(direction, True, rule, where, "")
        add = make_adder(self.adapter, each) if each is not None else None
        label = each.text if each is not None else target
        rule_in, rule_out = build_group(tuple(target.split(".")), label, match, required, iterate, add,
                                        inbound if want_in else None, outbound if want_out else None, skip)
        if rule_in is not None:
            self.specs[rule_in] = GroupSpec(each, self.adapter.name == "idoc", iterate, skip, match, inbound,
                                            required, target, label, tuple(target.split(".")))
        return rule_in, rule_out, [tuple(target.split("."))]

    def skip_condition(self, rule: YMap, scope: tuple[Step, ...], where: str) -> Any:
        """``skip_if_equal: [PATH, PATH]``: inbound, leave out elements where both values are equal.

        SAP lists the base unit among a material's units (E1MARMM MEINH = E1MARAM MEINS);
        this keeps such an element out of a list that must not contain it. Returns None
        when the rule has no such key and False when it is wrong (problem recorded).
        """
        raw = rule.get("skip_if_equal")
        if raw is None:
            return None
        if not isinstance(raw, YList) or len(raw) != 2:
            self.problem(rule.line_of("skip_if_equal"), where, "skip_if_equal takes a list of two paths")
            return False
        one, other = (self.path(text, rule.line_of("skip_if_equal"), where, want_field=True) for text in raw)
        if one is None or other is None:
            return False
        self.note_mapped(scope, one)
        self.note_mapped(scope, other)
        first, second = make_reader(self.adapter, one), make_reader(self.adapter, other)

        def equal(element: Any, ctx: Any) -> bool:
            value = first(element, ctx)
            return value is not None and value == second(element, ctx)

        return equal

    def match_constants(self, rule: YMap, model: type[BaseModel], where: str) -> dict[str, Any] | None:
        """A group's ``match``: canonical constants set inbound and selecting elements outbound."""
        raw = rule.get("match", {})
        if not isinstance(raw, dict):
            self.problem(rule.line_of("match"), where, "match must map canonical fields to values")
            return None
        match: dict[str, Any] = {}
        for name, value in raw.items():
            line = getattr(raw, "lines", {}).get(name, rule.line)
            shape = canonical.shape(model, name)
            if shape is None:
                self.problem(line, f"{where}.{name}", f"unknown canonical field: {model.__name__} has no"
                             f" field {name!r}")
                continue
            reason = canonical.check_value(shape.annotation, value)
            if reason:
                self.problem(line, f"{where}.{name}", f"value {value!r} does not fit: {reason}")
                continue
            match[name] = canonical.coerce(shape.annotation, value)
        return match

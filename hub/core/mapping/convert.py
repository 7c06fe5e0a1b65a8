"""The value pipeline of a rule: transforms, value list and key-map lookup, both ways.

Inbound order: transforms (as listed) -> value list -> lookup. Outbound runs the
reverse of each step in the opposite order. The pipeline is composed once into one
function per direction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from hub.core.mapping import canonical
from hub.core.mapping.loader import YList, YMap
from hub.core.mapping.steps import DocCtx, MissingReference
from hub.core.mapping.transforms import Transform, build_transform, parse_spec
from hub.core.mapping.unknown import POLICY_HELP, parse_policy, translators
from hub.core.mapping.values import ValueList

if TYPE_CHECKING:
    from hub.core.mapping.compiler import RuleCompiler

Step = tuple[Callable[..., Any], bool]
InStep = tuple[Callable[..., Any], bool, "dict[str, str] | None"]
"""An inbound step for generated code: the function, whether it takes the context, and
for a value list that refuses unknown codes its table (looked up in line; the function
is called only for a code the table lacks)."""
SystemOf = Callable[[DocCtx], str]
"""Which system's key map a lookup asks, for one document (see ``lookup_system``)."""
"""A pipeline step and whether it takes the document context (lookups do)."""


@dataclass(frozen=True)
class Converter:
    """A rule's compiled pipeline: ``inbound``/``outbound`` are None when there is nothing to do."""

    inbound: Callable[[Any, DocCtx], Any] | None
    outbound: Callable[[Any, DocCtx], Any] | None
    inbound_plain: Callable[[Any], Any] | None
    """The inbound pipeline without the context, when no step needs it (no lookup)."""
    reversible: bool
    irreversible: str
    default: Any
    description: str
    lookup_type: str | None = None
    """The key-map object type the pipeline ends in a lookup of (None without a lookup)."""
    before_lookup: Callable[[Any], Any] | None = None
    """The inbound steps before that lookup (None when there are none)."""
    lookup_system: SystemOf | None = None
    """Whose key map the lookup asks, per document (None without a lookup)."""
    inbound_steps: tuple[InStep, ...] = ()
    """The inbound pipeline step by step, for generated code (``codegen``)."""

    def describe(self) -> str:
        """Transforms, value list, lookup and default, as ``hub mapping show`` prints them."""
        return self.description


def compose(steps: list[Step]) -> Callable[[Any, DocCtx], Any] | None:
    """One function running ``steps`` in order, stopping at the first None."""
    if not steps:
        return None
    if not any(needs_ctx for _, needs_ctx in steps):
        plain = compose_plain([fn for fn, _ in steps])
        return lambda value, ctx: plain(value)
    if len(steps) == 1:
        return steps[0][0]

    def run(value: Any, ctx: DocCtx) -> Any:
        for fn, needs_ctx in steps:
            value = fn(value, ctx) if needs_ctx else fn(value)
            if value is None:
                return None
        return value

    return run


def compose_plain(fns: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """One function running context-free steps in order, stopping at the first None."""
    if len(fns) == 1:
        return fns[0]
    if len(fns) == 2:
        first, second = fns

        def run_two(value: Any) -> Any:
            value = first(value)
            return None if value is None else second(value)

        return run_two

    def run(value: Any) -> Any:
        for fn in fns:
            value = fn(value)
            if value is None:
                return None
        return value

    return run


def transforms_of(c: RuleCompiler, rule: YMap, where: str, source_count: int) -> list[Transform] | None:
    """The rule's ``transform`` entries compiled; None when any is wrong (problems recorded)."""
    raw = rule.get("transform")
    specs = [] if raw is None else list(raw) if isinstance(raw, YList) else [raw]
    transforms: list[Transform] = []
    ok = True
    for spec in specs:
        try:
            if not isinstance(spec, str):
                raise ValueError(f"a transform is written as name or name(args), not {spec!r}")
            name, args = parse_spec(spec)
            transforms.append(replace(build_transform(name, args, source_count), name=spec.strip()))
        except ValueError as exc:
            c.problem(rule.line_of("transform"), where, str(exc))
            ok = False
    if ok and source_count > 1 and (not transforms or transforms[0].parts != source_count):
        c.problem(rule.line_of("source"), where,
                  "several source paths need a transform that takes them all first:"
                  " join('separator') or sap_timestamp")
        ok = False
    return transforms if ok else None


def _value_steps(c: RuleCompiler, rule: YMap, where: str
                 ) -> tuple[Step, Step, dict[str, str] | None] | None | Literal[False]:
    name = rule.get("values")
    if name is None:
        if "unknown" in rule:
            c.problem(rule.line_of("unknown"), where, "unknown is the policy of a value list: it needs values")
            return None
        return False
    vl: ValueList | None = c.value_list(name) if isinstance(name, str) else None
    if vl is None:
        c.problem(rule.line_of("values"), where, f"no value list named {name!r} (declare it under"
                  " value_lists, or put values/NAME.csv next to the table)")
        return None
    if "unknown" in rule:
        policy = parse_policy(rule["unknown"])
        if policy is None:
            c.problem(rule.line_of("unknown"), where, POLICY_HELP)
            return None
    else:
        policy = c.unknown_policy(vl.name)
    raw = rule.get("source")
    source = ", ".join(str(s) for s in raw) if isinstance(raw, list) else str(raw)
    translate_in, needs_ctx, translate_out = translators(vl, policy, where, source)
    return (translate_in, needs_ctx), (translate_out, False), (vl.inbound if policy.kind == "error" else None)


def _as_text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return value
    return str(value)


def lookup_system(c: RuleCompiler, rule: YMap, where: str) -> SystemOf | None:
    """The rule's ``lookup_system``: the table's own system by default, another system
    by name (``erp_sap``), or the system a control field of the document names
    (``"@sku_system"``: a shop whose SKUs are the ERP's material numbers). None when the
    setting is wrong (problem recorded)."""
    named = rule.get("lookup_system", c.system)
    if not isinstance(named, str) or not named.strip("@ ") or rule.get("lookup") is None:
        c.problem(rule.line_of("lookup_system"), where,
                  "lookup_system names a system (erp_sap) or a control field (@sku_system), beside a lookup")
        return None
    if not named.startswith("@"):
        return lambda ctx: named
    field = named[1:]

    def from_control(ctx: DocCtx) -> str:
        system = ctx.control.get(field)
        if not system:
            raise ValueError(f"the document's control field {field!r} names no system to look up in")
        return system

    return from_control


def unresolved_placeholder(system: str, object_type: str, external_id: str) -> str:
    """What a dry run shows in place of the hub id of an object the hub does not know yet."""
    return f"(unresolved {object_type} {external_id} of {system})"


def _lookup_steps(system_of: SystemOf, object_type: str, required: bool) -> tuple[Step, Step]:
    def lookup_in(value: Any, ctx: DocCtx) -> Any:
        system = system_of(ctx)
        hub_id = ctx.lookup(system, object_type, str(value))
        if hub_id is None and required:
            if ctx.unresolved is not None:
                ctx.unresolved.append((system, object_type, str(value)))
                return unresolved_placeholder(system, object_type, str(value))
            raise MissingReference(f"{object_type} {value!r} of {system} is not in the key map (not known yet)",
                                   (system, object_type, str(value)))
        return hub_id

    def lookup_out(value: Any, ctx: DocCtx) -> Any:
        system = system_of(ctx)
        external = ctx.reverse_lookup(system, object_type, str(value))
        if external is None and required:
            raise ValueError(f"{object_type} {value} has no id in {system} (key map)")
        return external

    return (lookup_in, True), (lookup_out, True)


def build_converter(c: RuleCompiler, rule: YMap, where: str, annotation: Any, source_count: int
                    ) -> Converter | None:
    """Compile the rule's pipeline; None when anything in it is wrong (problems recorded)."""
    transforms = transforms_of(c, rule, where, source_count)
    values = _value_steps(c, rule, where)
    lookup = rule.get("lookup")
    required = rule.get("required", False) is True
    if lookup is not None and (not isinstance(lookup, str) or not lookup.strip()):
        c.problem(rule.line_of("lookup"), where, "lookup names the key-map object type, e.g. partner")
        return None
    system_of = lookup_system(c, rule, where) if "lookup_system" in rule or lookup else None
    if (lookup or "lookup_system" in rule) and system_of is None:
        return None
    default = rule.get("default")
    if default is not None:
        reason = canonical.check_value(annotation, default)
        if reason:
            c.problem(rule.line_of("default"), where, f"default {default!r} does not fit: {reason}")
            return None
        default = canonical.coerce(annotation, default)
    if transforms is None or values is None:
        return None
    inbound: list[Step] = [(t.inbound, False) for t in transforms]
    outbound: list[Step] = [(t.outbound, False) for t in reversed(transforms) if t.outbound is not None]
    tables: dict[int, dict[str, str] | None] = {}
    if values:
        tables[len(inbound)] = values[2]
        inbound.append(values[0])
        outbound.insert(0, values[1])
    if lookup and system_of is not None:
        lookup_in, lookup_out = _lookup_steps(system_of, lookup.strip(), required)
        inbound.append(lookup_in)
        outbound.insert(0, lookup_out)
    elif c.adapter.name == "json" and annotation is str:
        inbound.append((_as_text, False))  # JSON ids often arrive as numbers
    irreversible = next((t.name for t in transforms if t.outbound is None), "")
    parts = [t.name for t in transforms]
    if values:
        policy = parse_policy(rule["unknown"]) if "unknown" in rule else c.unknown_policy(str(rule["values"]))
        described = policy.describe() if policy is not None else ""
        parts.append(f"values {rule['values']}" + (f" ({described})" if described else ""))
    if lookup:
        parts.append(f"lookup {lookup}" + (f" in {rule['lookup_system']}" if "lookup_system" in rule else ""))
    if default is not None:
        parts.append(f"default {rule['default']!r}")
    plain = compose_plain([fn for fn, _ in inbound]) \
        if inbound and not any(needs_ctx for _, needs_ctx in inbound) else None
    before_lookup = compose_plain([fn for fn, _ in inbound[:-1]]) if lookup and len(inbound) > 1 else None
    steps = tuple((fn, needs_ctx, tables.get(index)) for index, (fn, needs_ctx) in enumerate(inbound))
    return Converter(compose(inbound), compose(outbound), plain, not irreversible, irreversible, default,
                     ", ".join(parts), lookup.strip() if lookup else None, before_lookup, system_of, steps)

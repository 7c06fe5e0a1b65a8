"""Repeating groups at run time: items, partner functions, texts, addresses.

Inbound, every source element the group's ``each`` path reaches becomes one canonical
object built by the group's own rules (an element where no rule found a source value
is skipped); ``match`` constants are set on each object. Outbound, every canonical
object that agrees with ``match`` gets a new source element. Without ``each`` the
group reads the current level and yields at most one object (several canonical lists,
such as phones and addresses, are filled from one customer segment that way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from hub.core.mapping.steps import DocCtx, InRule, OutRule, RuleFailure, make_getter


def build_group(target: tuple[str, ...], label: str, match: dict[str, Any], required: bool,
                iterate: Callable[[Any, DocCtx], Iterator[Any]] | None,
                add: Callable[[Any, DocCtx], Any] | None,
                inbound: list[InRule] | None, outbound: list[OutRule] | None,
                skip: Callable[[Any, DocCtx], bool] | None = None) -> tuple[InRule | None, OutRule | None]:
    """The inbound and outbound closures of one group (None for a direction it does not run)."""
    *parents, last = target
    name = ".".join(target)
    rule_in = _inbound(parents, last, name, label, match, required, iterate, inbound, skip) \
        if inbound is not None else None
    rule_out = _outbound(target, name, label, match, required, add, outbound) \
        if outbound is not None else None
    return rule_in, rule_out


def _inbound(parents: list[str], last: str, name: str, label: str, match: dict[str, Any],
             required: bool, iterate: Callable[[Any, DocCtx], Iterator[Any]] | None,
             rules: list[InRule], skip: Callable[[Any, DocCtx], bool] | None) -> InRule:
    constants = tuple(match.items())

    def group_in(node: Any, out: dict[str, Any], ctx: DocCtx) -> bool:
        elements = iterate(node, ctx) if iterate is not None else (node,)
        items: list[dict[str, Any]] = []
        position = 0
        ctx.parents.append(node)
        for element in elements:
            position += 1
            if skip is not None and skip(element, ctx):
                continue
            item: dict[str, Any] = dict(constants) if constants else {}
            found = False
            try:
                for rule in rules:
                    if rule(element, item, ctx):
                        found = True
            except RuleFailure as failure:
                number = getattr(element, "number", 0) or position
                raise failure.within(f"{name}.{len(items)}", f"{label}#{number}") from None
            if found:
                items.append(item)
        ctx.parents.pop()
        if not items:
            if required:
                raise RuleFailure(name, label, "at least one element is required, none was found")
            return False
        holder = out
        for parent in parents:
            holder = holder.setdefault(parent, {})
        holder.setdefault(last, []).extend(items)
        return True

    return group_in


def _outbound(target: tuple[str, ...], name: str, label: str, match: dict[str, Any], required: bool,
              add: Callable[[Any, DocCtx], Any] | None, rules: list[OutRule]) -> OutRule:
    get = make_getter(target)
    constants = tuple(match.items())

    def group_out(data: dict[str, Any], node: Any, ctx: DocCtx) -> None:
        written = 0
        for position, item in enumerate(get(data) or ()):
            if any(item.get(key) != value for key, value in constants):
                continue
            element = add(node, ctx) if add is not None else node
            try:
                for rule in rules:
                    rule(item, element, ctx)
            except RuleFailure as failure:
                raise failure.within(f"{name}.{position}", label) from None
            written += 1
            if add is None:
                break
        if required and not written:
            raise RuleFailure(name, label, "at least one element is required, the document has none")

    return group_out

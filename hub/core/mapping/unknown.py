"""What a value list does with a code it does not hold: the unknown-code policy.

Real systems send codes no shipped list can foresee (a customer's own payment terms,
a unit created last week). Refusing the document is the safe default, because a
wrongly translated unit or partner function is worse than a document that waits for
its list to be extended; but for codes whose meaning passes through unchanged an
integrator may choose to keep them, or to map them to a catch-all canonical value.
Both are noted in the document's history, so nothing is let through silently.

A policy is written per rule (``unknown:``) or per table (``unknown_codes:``, by value
list name, ``"*"`` for every list); the rule's own setting wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from hub.core.mapping.steps import DocCtx
from hub.core.mapping.values import ValueList

PolicyKind = Literal["error", "keep", "default"]
POLICY_HELP = "unknown must be error, keep or {default: CANONICAL_VALUE}"


@dataclass(frozen=True)
class UnknownPolicy:
    """``error`` (refuse the document), ``keep`` (pass the code on) or ``default`` (use ``value``)."""

    kind: PolicyKind
    value: str | None = None

    def describe(self) -> str:
        """How ``hub mapping show`` lists it (empty for the default, ``error``)."""
        if self.kind == "keep":
            return "unknown kept"
        if self.kind == "default":
            return f"unknown -> {self.value!r}"
        return ""


ERROR = UnknownPolicy("error")


def parse_policy(spec: Any) -> UnknownPolicy | None:
    """The policy ``spec`` writes (``error``, ``keep``, ``{default: VALUE}``); None when malformed."""
    if spec in ("error", "keep"):
        return UnknownPolicy(spec)
    if isinstance(spec, dict) and set(spec) == {"default"}:
        value = spec["default"]
        if isinstance(value, str) and value.strip():
            return UnknownPolicy("default", value.strip())
    return None


def _where_to_extend(vl: ValueList) -> str:
    """``(FILE): add a row there ...``: where the list is and how to extend it."""
    if vl.file.endswith(".csv"):
        return (f"({vl.file}): add a row there (`hub mapping copy` puts a plugin's lists in mappings/"
                " for editing)")
    return f"({vl.file}, under value_lists.{vl.name}): add it there"


def translators(vl: ValueList, policy: UnknownPolicy, where: str, source: str
                ) -> tuple[Callable[..., Any], bool, Callable[[Any], Any]]:
    """(inbound translation, whether it takes the document context, outbound translation).

    With ``error`` the inbound translation is ``vl.inbound.get`` and, for a code that
    is missing, a call that refuses it; generated code (``codegen``) does the lookup in
    line and calls the translation only then.

    Inbound with ``keep`` or ``default`` the translation takes the context, to note the
    unknown code in it (``DocCtx.notes``); called without one (while collecting the
    lookups a document will make) it notes nothing.
    """
    forward, backward = vl.inbound, vl.outbound
    name = vl.name
    hint = (f"{_where_to_extend(vl)}, or give the list an unknown-code policy"
            " (unknown: keep, or unknown: {default: VALUE})")

    def refuse(value: Any) -> Any:
        found = forward.get(value if isinstance(value, str) else str(value))
        if found is None:
            raise ValueError(f"{value!r} is not in value list {name} {hint}")
        return found

    def translate_out(value: Any) -> Any:
        found = backward.get(value if isinstance(value, str) else str(value))
        if found is None:
            if policy.kind == "keep":
                return value
            if fallback is not None:
                return fallback
            raise ValueError(f"canonical {str(value)!r} has no external code in value list {name} {hint}")
        return found

    fallback = backward.get(policy.value) if policy.kind == "default" and policy.value is not None else None
    if policy.kind == "error":
        return refuse, False, translate_out
    replacement = policy.value
    outcome = "kept as is (unknown: keep)" if policy.kind == "keep" else \
        f"mapped to the default {replacement!r} (unknown: default)"

    def tolerate(value: Any, ctx: DocCtx | None = None) -> Any:
        found = forward.get(value if isinstance(value, str) else str(value))
        if found is not None:
            return found
        if ctx is not None:
            ctx.notes.append(f"{where} <- {source}: code {value!r} is not in value list {name}"
                             f" ({vl.file}); {outcome}")
        return value if replacement is None else replacement

    return tolerate, True, translate_out

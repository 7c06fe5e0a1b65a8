"""The golden record: which source's value a field holds, decided field by field.

Configuration names, per document type, the systems that win for a field in order
(``[source_priority.partner.fields] tax_numbers = ["erp_sap"]``). A source may set a
field when it ranks at least as high as the source that set the current value
(equal rank: the newer value wins) or when the field is still empty. Systems not
listed share the lowest rank. Only fields the incoming document actually provides
are considered, so a source that does not know e-mail addresses never blanks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.core.settings import SourcePriority


@dataclass
class GoldenChange:
    """The result of applying one source's fields to a golden record."""

    data: dict[str, Any]
    field_sources: dict[str, str]
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)


def is_empty(value: Any) -> bool:
    """None, an empty string, list or dict: a field that holds nothing."""
    return value is None or (not value and isinstance(value, (str, list, dict)))


class SourcePolicy:
    """Field-level source precedence for one document type."""

    def __init__(self, priority: SourcePriority | None = None) -> None:
        priority = priority or SourcePriority()
        self._default = list(priority.default)
        self._fields = {name: list(order) for name, order in priority.fields.items()}

    def rank(self, field_name: str, system: str) -> int:
        """0 is the highest rank; unlisted systems share the lowest."""
        order = self._fields.get(field_name, self._default)
        return order.index(system) if system in order else len(order)

    def may_set(self, field_name: str, incoming: str, current: str | None, current_value: Any) -> bool:
        """Whether ``incoming`` may replace the value ``current`` set."""
        if current is None or is_empty(current_value):
            return True
        return self.rank(field_name, incoming) <= self.rank(field_name, current)


def apply_source(
    data: dict[str, Any],
    field_sources: dict[str, str],
    provided: dict[str, Any],
    system: str,
    policy: SourcePolicy,
) -> GoldenChange:
    """Apply the fields ``system`` provided to a golden record; inputs are not mutated."""
    result = GoldenChange(dict(data), dict(field_sources))
    for name, value in provided.items():
        current = data.get(name)
        if not policy.may_set(name, system, field_sources.get(name), current):
            continue
        if current != value:
            result.data[name] = value
            result.changes[name] = {"old": current, "new": value}
        result.field_sources[name] = system
    return result

"""The key-map lookups a table will make, found before any document is mapped.

Mapping an order looks up its sold-to and every partner in the key map. Asked one by
one, that is one query per document; found up front, a whole chunk of documents asks
the store once. Each rule with a ``lookup`` compiles into a ``KeyReader``: the groups it
sits in, its source, and its pipeline up to the lookup. Conditions (``when``,
``skip_if_equal``) are not checked, so the keys found are a superset of those looked
up; a value the pipeline refuses is left for the mapping itself to report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from hub.core.mapping.steps import DocCtx

LookupKey = tuple[str, str, str]
"""(system, object type, external id), as the mapping passes them to a lookup."""

Iterate = Callable[[Any, DocCtx], Iterator[Any]]


@dataclass(frozen=True)
class KeyReader:
    """The external ids one lookup rule will look up in a document."""

    groups: tuple[Iterate, ...]
    """The iterators of the repeating groups around the rule, outermost first."""
    read: Callable[[Any, DocCtx], Any]
    before_lookup: Callable[[Any], Any] | None
    """The rule's transforms and value list (None when there are none)."""
    system: Callable[[DocCtx], str]
    """Whose key map the rule asks, for the document at hand."""
    object_type: str

    def collect(self, root: Any, ctx: DocCtx, keys: set[LookupKey]) -> None:
        """Add the keys this rule will look up in the tree ``root`` to ``keys``."""
        nodes: list[tuple[Any, Any]] = [(root, None)]
        for iterate in self.groups:
            nodes = [(element, node) for node, _ in nodes for element in iterate(node, ctx)]
        convert = self.before_lookup
        try:
            system = self.system(ctx)
        except ValueError:
            return  # the mapping will say what is missing
        for node, parent in nodes:
            ctx.parents.append(parent)  # for ../ paths: the element the innermost group is on
            value = self.read(node, ctx)
            ctx.parents.pop()
            if value is not None and convert is not None:
                try:
                    value = convert(value)
                except ValueError:
                    continue
            if value is not None:
                keys.add((system, self.object_type, str(value)))

"""The field-mapping engine: tables integrators edit, compiled once, run both ways.

Load with ``load_mapping_set(folders)`` (raises ``MappingError`` listing every problem
with file, line and field), then ``MappingSet.map_inbound(raw, lookup)`` turns a
``RawDocument`` into a canonical document and ``MappingSet.render(system, document,
reverse_lookup)`` turns a canonical document back into a raw tree. The table format
is described in docs/mapping.md.
"""

from __future__ import annotations

from hub.core.mapping.catalog import check_mapping_folders, load_mapping_set
from hub.core.mapping.engine import MappingResult, MappingSet, MappingTable, RenderResult
from hub.core.mapping.steps import Lookup, ReverseLookup

__all__ = [
    "Lookup",
    "MappingResult",
    "MappingSet",
    "MappingTable",
    "RenderResult",
    "ReverseLookup",
    "check_mapping_folders",
    "load_mapping_set",
]

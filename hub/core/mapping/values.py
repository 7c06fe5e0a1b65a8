"""Value lists: external code <-> canonical code tables (units, partner functions, ...).

A value list is a CSV file an integrator can keep in a spreadsheet, with a header row
naming at least the columns ``external`` and ``canonical``; an optional ``direction``
column says whether a row counts ``both`` ways (the default), only ``in`` (external ->
canonical) or only ``out`` (canonical -> external). Several external codes may map to
one canonical code as long as only one of them is used outbound; ambiguities in
either direction are errors, reported with the CSV line. Other columns (comments,
descriptions) are ignored. Small lists can also be written inline in the YAML table.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.core.errors import MappingProblem

_DIRECTIONS = {"both": (True, True), "in": (True, False), "out": (False, True), "": (True, True)}


@dataclass
class ValueList:
    """A compiled value list: two dicts, so translation is one lookup either way."""

    name: str
    file: str
    inbound: dict[str, str] = field(default_factory=dict)
    outbound: dict[str, str] = field(default_factory=dict)


def _add(vl: ValueList, external: str, canonical: str, direction: str, line: int | None,
         problems: list[MappingProblem]) -> None:
    where = f"value {external!r}"
    if direction not in _DIRECTIONS:
        problems.append(MappingProblem(vl.file, line, where,
                                       f"direction must be both, in or out, not {direction!r}"))
        return
    if not external or not canonical:
        problems.append(MappingProblem(vl.file, line, where, "external and canonical must both be given"))
        return
    inbound, outbound = _DIRECTIONS[direction]
    if inbound:
        if external in vl.inbound and vl.inbound[external] != canonical:
            problems.append(MappingProblem(
                vl.file, line, where,
                f"external code {external!r} maps to both {vl.inbound[external]!r} and {canonical!r}"))
        vl.inbound[external] = canonical
    if outbound:
        if canonical in vl.outbound and vl.outbound[canonical] != external:
            problems.append(MappingProblem(
                vl.file, line, f"value {canonical!r}",
                f"canonical code {canonical!r} maps back to both {vl.outbound[canonical]!r} and"
                f" {external!r}; mark all but one of these rows with direction 'in'"))
        vl.outbound[canonical] = external


def read_csv_value_list(name: str, path: Path) -> tuple[ValueList, list[MappingProblem]]:
    """Read ``path`` into a value list, with every problem found (line numbers are the CSV's)."""
    vl = ValueList(name, str(path))
    problems: list[MappingProblem] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return vl, [MappingProblem(str(path), None, None, f"value list cannot be read: {exc}")]
    rows = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(rows, [])]
    missing = [c for c in ("external", "canonical") if c not in header]
    if missing:
        return vl, [MappingProblem(str(path), 1, None,
                                   f"header must name columns external and canonical; missing {missing}")]
    ext_col, can_col = header.index("external"), header.index("canonical")
    dir_col = header.index("direction") if "direction" in header else None
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            problems.append(MappingProblem(str(path), line, None,
                                           f"row has {len(row)} cells, header has {len(header)}"))
            continue
        direction = row[dir_col].strip().lower() if dir_col is not None else ""
        _add(vl, row[ext_col].strip(), row[can_col].strip(), direction, line, problems)
    if not vl.inbound and not vl.outbound and not problems:
        problems.append(MappingProblem(str(path), None, None, "value list has no rows"))
    return vl, problems


def inline_value_list(name: str, file: str, data: Any, line: int | None) -> tuple[ValueList, list[MappingProblem]]:
    """A value list written in the YAML table as ``{EXTERNAL: canonical, ...}``."""
    vl = ValueList(name, file)
    problems: list[MappingProblem] = []
    if not isinstance(data, dict) or not data:
        return vl, [MappingProblem(file, line, f"value_lists.{name}",
                                   "an inline value list is a mapping of external: canonical codes")]
    lines = getattr(data, "lines", {})
    for external, canonical in data.items():
        if isinstance(canonical, bool) or canonical is None or isinstance(canonical, (dict, list)):
            problems.append(MappingProblem(file, lines.get(external, line), f"value_lists.{name}.{external}",
                                           "the canonical code must be plain text"))
            continue
        _add(vl, str(external), str(canonical), "both", lines.get(external, line), problems)
    return vl, problems

"""List formats: mapping tables with ``format: csv`` that turn list rows into partners.

A format is found by name (its ``inbound`` message type) among the installation's
tables (``mappings/``), then the formats the hub ships (``hub/core/lists/formats``).
Before a row is read, the file's header is held against the format: the key column
must be there, and every column must be one the format reads or ``ignore``s, so a
renamed or unexpected column stops the import instead of being lost silently.

Rows are mapped by the table's own compiled rules. A value a rule cannot take (a bad
date, a malformed e-mail, a code missing from a value list) drops that value and
notes it, and the row is mapped again without it, unless the rule's field is required
or the rule says ``invalid: fail``: then the row fails. Every mapped partner gets the
prospect role and the list's name as marketing attribute ``list``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub.core.errors import HubError, NotFoundError
from hub.core.lists.errors import DROPPED, ListFileError, RowProblem
from hub.core.lists.rows import SourceRow
from hub.core.mapping import MappingSet, MappingTable, load_mapping_set
from hub.core.mapping.steps import DocCtx, RuleFailure
from hub.core.model.partner import Partner, PartnerRole
from hub.core.model.validation import field_problems

SHIPPED_FORMATS = Path(__file__).parent / "formats"
"""The list formats that come with the hub (an example to copy into ``mappings/``)."""
LIST_ATTRIBUTE = "list"
"""The marketing attribute that names the lists a partner was imported from or found on."""
PROSPECT = PartnerRole.prospect.value
_POSITION = re.compile(r"\.\d+(?=\.|$)")


def load_formats(folders: list[Path]) -> MappingSet:
    """Every table of ``folders`` and of the shipped formats (these last), compiled."""
    return load_mapping_set([*folders, SHIPPED_FORMATS])


def find_format(mappings: MappingSet, name: str) -> MappingTable:
    """The list format ``name``: the partner table with ``format: csv`` that maps it in."""
    formats = [t for t in mappings.tables if t.format == "csv"]
    found = [t for t in formats if name in t.inbound_types]
    if not found:
        known = sorted({n for t in formats for n in t.inbound_types})
        raise NotFoundError(f"no list format {name!r} (known: {', '.join(known) or 'none'}); a list format is a"
                            " mapping table with format: csv in mappings/ (docs/list-import.md)")
    table = found[0]
    if table.document_type != "partner":
        raise NotFoundError(f"list format {name!r} ({table.file}) maps {table.document_type}; partners are imported"
                            " with a format of document_type: partner")
    return table


def check_header(table: MappingTable, file: str, header: list[str]) -> None:
    """Refuse a file whose header lacks the key column, repeats a column, or has a
    column the format neither reads nor ignores; ``ListFileError`` names them all."""
    named = [column for column in header if column]
    twice = sorted(column for column, count in Counter(named).items() if count > 1)
    if twice:
        raise ListFileError(file, f"the header names {', '.join(repr(c) for c in twice)} more than once",
                            row=1, column=twice[0])
    if table.row_key not in named:
        raise ListFileError(file, f"the key column {table.row_key!r} of format {table.inbound_types[0]} is missing"
                                  f" (the header has: {', '.join(named)})", row=1, column=table.row_key)
    unknown = [c for c in named if c not in table.columns and c not in table.ignored_columns]
    if unknown:
        raise ListFileError(
            file, f"format {table.inbound_types[0]} ({table.file}) does not know column(s)"
                  f" {', '.join(repr(c) for c in unknown)}: map them with a rule, or list them under ignore:",
            row=1, column=unknown[0])


@dataclass
class MappedRow:
    """One row mapped: its key and partner (None when the row failed), and its problems."""

    number: int
    key: str | None
    partner: Partner | None
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether the row cannot be imported."""
        return self.partner is None


class RowMapper:
    """Maps rows of one list with one format."""

    def __init__(self, table: MappingTable, list_name: str) -> None:
        self.table = table
        self.list_name = list_name
        self._key = table.row_key or ""

    def map(self, row: SourceRow) -> MappedRow:
        """The row as a partner, or why it cannot be one."""
        key = row.cells.get(self._key) or None
        if row.problem is not None:
            return MappedRow(row.number, key, None, [row.problem])
        if key is None:
            return MappedRow(row.number, None, None, [RowProblem(self._key, "the key column is empty")])
        cells = row.cells
        dropped: list[RowProblem] = []
        # Each round either maps the row or empties at least one more column: it ends.
        while True:
            failure = self._attempt(cells)
            if isinstance(failure, Partner):
                return MappedRow(row.number, key, failure, dropped)
            path, reason, value = failure
            columns = self._columns(path, cells, value)
            generic = _POSITION.sub(".*", path)
            fails = any(p in self.table.fail_on_invalid for p in _candidates(generic))
            if fails or not columns or columns == [self._key]:
                named = columns or self._columns(path, None, value)
                return MappedRow(row.number, key, None, [*dropped, RowProblem(named[0] if named else None,
                                                                             f"{path}: {reason}")])
            cells = {**cells, **dict.fromkeys(columns, "")}
            dropped.extend(RowProblem(column, f"{path}: {reason}; imported without it", DROPPED)
                           for column in columns)

    def _attempt(self, cells: dict[str, str]) -> Partner | tuple[str, str, Any]:
        """The partner, or (canonical path, reason, the offending value) of the first problem."""
        out: dict[str, Any] = {}
        ctx = DocCtx(cells, {})
        try:
            self.table.inbound_function(cells, out, ctx)
        except RuleFailure as failure:
            return failure.canonical, failure.reason, None
        except HubError as exc:  # a lookup the format should not make
            return "", str(exc), None
        roles = out.setdefault("roles", [])
        if PROSPECT not in roles:
            roles.append(PROSPECT)
        out.setdefault("marketing_attributes", {})[LIST_ATTRIBUTE] = self.list_name
        try:
            return Partner.model_validate(out)
        except ValidationError as exc:
            problem = field_problems(exc)[0]
            return problem.field, problem.reason, _value_at(out, problem.field)

    def _columns(self, path: str, cells: dict[str, str] | None, value: Any) -> list[str]:
        """The non-empty columns of ``cells`` that fed ``path`` (without cells: every
        column that may): of several (two e-mail columns), the one holding the
        offending value, when it can be told."""
        generic = _POSITION.sub(".*", path)
        for candidate in _candidates(generic):
            columns = [c for c in self.table.columns_of.get(candidate, ()) if cells is None or cells.get(c)]
            if cells is not None and len(columns) > 1 and isinstance(value, str):
                holding = [c for c in columns if cells[c].strip().lower() == value.strip().lower()]
                return holding or columns
            if columns:
                return columns
        return []


def _candidates(generic: str) -> list[str]:
    """``addresses.*.country`` and its parents, most specific first (a rule targets a
    list of texts as ``emails``, whose element fails as ``emails.*``)."""
    parts = generic.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


def _value_at(data: Any, path: str) -> Any:
    """The value at dotted ``path`` in mapped data (None when it is not there)."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data

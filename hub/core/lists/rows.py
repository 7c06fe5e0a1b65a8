"""A row as a list file gives it: its number, its cells by column, or why it cannot be read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from hub.core.lists.errors import RowProblem


@dataclass(slots=True)
class SourceRow:
    """One row of a list file. ``number`` counts as a spreadsheet does (the header is
    row 1); ``cells`` maps column header -> text (stripped; empty when the row could
    not be read); ``problem`` says why it could not."""

    number: int
    cells: dict[str, str] = field(default_factory=dict)
    problem: RowProblem | None = None


class ListSource(Protocol):
    """A list file opened for reading: CSV (``csvsource``) or XLSX (``xlsxsource``)."""

    kind: str
    file: str
    header: list[str]
    total: int | None
    """The size progress is counted against (bytes for CSV, rows for XLSX), if known."""

    def position(self) -> int:
        """How far reading has got, in the unit of ``total``."""
        ...

    def rows(self) -> Iterator[SourceRow]:
        """Every row after the header, in file order."""
        ...

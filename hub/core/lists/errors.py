"""What can be wrong with a list file, located by file, row and column.

A problem with the whole file (it is empty, its header lacks the key column or names
a column the format does not know) is a ``ListFileError``: nothing is imported. A
problem with one row is a ``RowProblem``: the row fails, or loses the one value, and
the rest of the file goes on.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.core.errors import HubError

FAILED = "row failed"
DROPPED = "value dropped"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem of one row: the column it is in (None: the row as a whole), why,
    and what it did (``FAILED``: the row was not imported; ``DROPPED``: the row was
    imported without the column's value)."""

    column: str | None
    reason: str
    action: str = FAILED

    def as_list(self) -> list[str | None]:
        """The problem as stored with its row: [column, reason, action]."""
        return [self.column, self.reason, self.action]

    @classmethod
    def from_list(cls, stored: list[str | None]) -> RowProblem:
        """A problem as ``as_list`` stored it."""
        column, reason, action = stored
        return cls(column, reason or "", action or FAILED)


class ListFileError(HubError):
    """The list file cannot be imported as it is; names file, row and column."""

    def __init__(self, file: str, reason: str, row: int | None = None, column: str | None = None) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.reason = reason
        where = file + (f": row {row}" if row is not None else "") + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {reason}")

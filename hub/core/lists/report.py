"""The errors CSV of a list: every row that failed or lost a value, and why.

Written after each run from the rows the store holds (so after a resumed run it
covers the whole file), next to the list file as ``FILE.errors.csv``, or in the
working directory when that folder cannot be written.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import sqlalchemy as sa

from hub.core.lists import state
from hub.core.lists.errors import RowProblem

HEADER = ("row", "key", "column", "reason", "action")


def errors_path(file: str, list_name: str) -> Path:
    """Where the errors CSV of ``file`` goes: beside it, if that folder can be written."""
    beside = Path(f"{file}.errors.csv")
    if beside.parent.is_dir() and os.access(beside.parent, os.W_OK):
        return beside
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in list_name)
    return Path.cwd() / f"{safe}.errors.csv"


def write_errors(conn: sa.Connection, list_name: str, path: Path) -> int:
    """Write the list's problems to ``path``; how many problems (0: no file is written,
    and a stale one from an earlier run is removed)."""
    written = 0
    partial = path.with_name(path.name + ".part")
    with partial.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for row in state.rows_of(conn, list_name, with_problems=True):
            for stored in row.problems or ():
                problem = RowProblem.from_list(stored)
                writer.writerow((row.row, row.key or "", problem.column or "", problem.reason, problem.action))
                written += 1
    if written:
        partial.replace(path)
    else:
        partial.unlink()
        path.unlink(missing_ok=True)
    return written

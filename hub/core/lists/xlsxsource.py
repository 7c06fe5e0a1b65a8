"""Reading an XLSX list file row by row, streamed (openpyxl's read-only mode).

Only the first sheet is read. Cells come as Excel holds them: numbers, dates and
texts. A list format maps text, so each cell becomes the text a person sees: a whole
number without ``.0``, a date as ISO ``YYYY-MM-DD`` (a date with a time as ISO date
and time). Row numbers are the sheet's.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from hub.core.lists.errors import ListFileError, RowProblem
from hub.core.lists.rows import SourceRow


def cell_text(value: Any) -> str:
    """The text of one cell's value."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, (date, time, int, Decimal)):
        return value.isoformat() if isinstance(value, (date, time)) else str(value)
    return str(value).strip()


class XlsxSource:
    """An XLSX list file: the header and rows of its first sheet."""

    kind = "xlsx"

    def __init__(self, path: Path, header_row: int = 1) -> None:
        import openpyxl

        self.path = path
        self.file = str(path)
        self.header_row = header_row
        try:
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise ListFileError(self.file, f"not a readable XLSX workbook: {exc}") from None
        try:
            self._sheet = self._book.worksheets[0]
            self.total: int | None = self._sheet.max_row
            """Rows in the sheet as its dimension says (progress is counted in rows)."""
            self._done = 0
            first = next(self._sheet.iter_rows(min_row=header_row, max_row=header_row, values_only=True), None)
            header = [cell_text(value) for value in first or ()]
            if not any(header):
                raise ListFileError(self.file, f"the file is empty: row {header_row} must name the columns",
                                    row=header_row)
        except BaseException:
            self._book.close()
            raise
        while header and not header[-1]:
            header.pop()
        self.header = header

    def position(self) -> int:
        """Rows read so far."""
        return self._done

    def rows(self) -> Iterator[SourceRow]:
        """Every row after the header, empty ones left out; the workbook is closed after the last."""
        header = self.header
        width = len(header)
        try:
            start = self.header_row + 1
            for number, values in enumerate(self._sheet.iter_rows(min_row=start, values_only=True), start=start):
                self._done = number
                texts = [cell_text(value) for value in values]
                if not any(texts):
                    continue
                if any(texts[width:]):
                    yield SourceRow(number, {}, RowProblem(None, f"the row has values beyond the header's"
                                                                 f" {width} columns"))
                    continue
                yield SourceRow(number, {name: text for name, text in zip(header, texts, strict=False) if name})
        finally:
            self._book.close()

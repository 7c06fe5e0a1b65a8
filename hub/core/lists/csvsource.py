"""Reading a CSV list file row by row, in constant memory, whatever the file holds.

The file is decoded as it is read (``errors="surrogateescape"``, so a byte the
encoding does not know cannot stop the reader: it fails its own row, naming the
column), split into lines of at most ``max_line`` characters, and parsed with the
``csv`` module under the same limit per field. A line longer than that (a 2 GB file
that is one line, a stray quote that runs to the end of the file) is skipped to its
end without being held, and fails its row; the rows after it are read as usual. So
memory stays bounded by the limit, and one bad row never costs the rest of the file.

Row numbers count as a spreadsheet shows them: the header is row 1 (or the row a file
with title lines above its header names), blank rows count.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from hub.core.lists.encoding import SAMPLE_BYTES, check_encoding, detect_encoding
from hub.core.lists.errors import ListFileError, RowProblem
from hub.core.lists.rows import SourceRow

DEFAULT_MAX_LINE = 1 << 20
"""Longest line, and longest field, read (characters): a row past it fails."""
DELIMITERS = ",;\t|"
_UNDECODED = re.compile("[\udc80-\udcff]")
_LINE_ENDS = ("\n", "\r")
OVERLONG, UNDECODABLE = "overlong", "undecodable"


class CsvSource:
    """A CSV list file: its dialect, its header, and its rows one at a time."""

    kind = "csv"

    def __init__(self, path: Path, *, encoding: str | None = None, delimiter: str | None = None,
                 quote: str | None = None, header_row: int = 1, max_line: int = DEFAULT_MAX_LINE) -> None:
        self.path = path
        self.file = str(path)
        self.max_line = max_line
        self.header_row = header_row
        with path.open("rb") as binary:
            sample = binary.read(SAMPLE_BYTES)
        if not sample.strip():
            raise ListFileError(self.file, "the file is empty: the first row must name the columns", row=1)
        try:
            self.encoding = check_encoding(encoding) if encoding else detect_encoding(sample)
        except LookupError as exc:
            raise ListFileError(self.file, str(exc)) from None
        self.encoding_detected = encoding is None
        try:
            # Title lines above the header tell nothing of the dialect.
            text = "".join(sample.decode(self.encoding, errors="replace").splitlines(keepends=True)[header_row - 1:])
            self.dialect = _dialect(text, delimiter, quote)
        except ValueError as exc:
            raise ListFileError(self.file, str(exc)) from None
        self.total: int | None = os.path.getsize(path)
        """The file's size: progress is counted in bytes read."""
        self._binary: IO[bytes] | None = None
        self._flags: dict[int, tuple[str, str | None]] = {}
        """Line number -> (OVERLONG or UNDECODABLE, column) for lines that cannot be read
        as they are (set by ``_lines``, taken by ``_records``)."""
        self._record: list[str] = []
        """The current record's lines, at most about ``max_line`` characters of them, to
        tell the column of a field that ran past the limit."""
        self._record_chars = 0
        header = next(itertools.islice(self._records(), header_row - 1, None), None)
        if header is None or not any(cell.strip() for cell in header[1]):
            raise ListFileError(self.file, f"row {header_row} must name the columns, and it is empty", row=header_row)
        if header[2] is not None:
            raise ListFileError(self.file, header[2].reason, row=header_row, column=header[2].column)
        self.header = [cell.strip() for cell in header[1]]

    def position(self) -> int:
        """Bytes read so far (for a progress bar)."""
        binary = self._binary
        if binary is None:
            return 0
        return self.total or 0 if binary.closed else binary.tell()

    def rows(self) -> Iterator[SourceRow]:
        """Every row after the header, blank ones left out (their numbers are skipped)."""
        header = self.header
        width = len(header)
        records = self._records()
        for _ in range(self.header_row):
            next(records)
        for number, fields, problem in records:
            if problem is not None:
                yield SourceRow(number, {}, problem)
                continue
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) > width and any(value.strip() for value in fields[width:]):
                yield SourceRow(number, {}, RowProblem(None, f"the row has {len(fields)} values and the header"
                                                             f" {width} columns"))
                continue
            yield SourceRow(number, {name: value.strip() for name, value in zip(header, fields, strict=False)
                                     if name})

    # -- reading ---------------------------------------------------------------------

    def _records(self) -> Iterator[tuple[int, list[str], RowProblem | None]]:
        """(row number, fields, problem) of every record from the first."""
        csv.field_size_limit(self.max_line)
        with self.path.open("rb") as binary:
            self._binary = binary
            text = io.TextIOWrapper(binary, encoding=self.encoding, errors="surrogateescape", newline="")
            reader = csv.reader(self._lines(text), self.dialect)
            number = 0
            while True:
                number += 1
                del self._record[:]
                self._record_chars = 0
                first_line = reader.line_num + 1
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    column = self._column_at("".join(self._record))
                    self._flags.clear()
                    lines = f"line {first_line}" if reader.line_num <= first_line else \
                        f"lines {first_line} to {reader.line_num} (a quote that is never closed?)"
                    yield number, [], RowProblem(column, f"cannot be read: {exc}; {lines} skipped")
                    continue
                problem = self._flagged(reader.line_num, fields) if self._flags else None
                yield number, fields, problem

    def _lines(self, text: io.TextIOWrapper) -> Iterator[str]:
        """The file's lines, each at most ``max_line`` characters; a longer one is read
        to its end in pieces, dropped, and flagged; a line with undecodable bytes flagged."""
        limit = self.max_line
        check = self.encoding not in ("latin-1", "iso8859-1")
        record = self._record
        number = 0
        while True:
            line = text.readline(limit)
            if not line:
                return
            number += 1
            if len(line) >= limit and not line.endswith(_LINE_ENDS):
                self._flags[number] = (OVERLONG, self._column_at("".join(record) + line))
                while True:
                    rest = text.readline(limit)
                    if not rest or rest.endswith(_LINE_ENDS):
                        break
                yield "\n"
                continue
            if check and _UNDECODED.search(line):
                self._flags[number] = (UNDECODABLE, None)
            if self._record_chars < limit:
                record.append(line)
                self._record_chars += len(line)
            yield line

    def _flagged(self, line_num: int, fields: list[str]) -> RowProblem | None:
        """The problem of the record that ended at line ``line_num``, if a line of it was flagged."""
        flags = [self._flags.pop(n) for n in sorted(self._flags) if n <= line_num]
        if not flags:
            return None
        for kind, column in flags:
            if kind == OVERLONG:
                return RowProblem(column, f"the line is longer than {self.max_line:,} characters;"
                                          " it was skipped to its end")
        for index, value in enumerate(fields):
            bad = _UNDECODED.findall(value)
            if bad:
                shown = " ".join(f"0x{ord(ch) - 0xDC00:02X}" for ch in bad[:4])
                hint = (f"the file was taken as {self.encoding} from its first MiB; give its encoding"
                        " (e.g. --encoding cp1252)") if self.encoding_detected else "is the declared encoding right?"
                column = self.header[index] if index < len(self.header) else None
                return RowProblem(column, f"bytes {shown} are not valid {self.encoding} ({hint})")
        return None

    def _column_at(self, text: str) -> str | None:
        """The header of the column the end of ``text`` (a record's start) is in."""
        if not hasattr(self, "header"):
            return None
        try:
            fields = next(csv.reader(io.StringIO(text[: self.max_line], newline=""), self.dialect), [])
        except csv.Error:
            return None
        index = max(len(fields) - 1, 0)
        return self.header[index] if index < len(self.header) else None


def _dialect(sample: str, delimiter: str | None, quote: str | None = None) -> type[csv.Dialect]:
    """The declared delimiter, or the one csv.Sniffer finds among ``DELIMITERS`` in the
    sample's whole lines; quoting is the declared quote character, or the usual double
    quote, doubled inside a field."""
    if quote is not None and len(quote) != 1:
        raise ValueError(f"a quote is one character, not {quote!r}")
    if delimiter is not None:
        chosen = delimiter.replace("\\t", "\t")
        if len(chosen) != 1:
            raise ValueError(f"a delimiter is one character, not {delimiter!r}")
    else:
        lines = sample.splitlines(keepends=True)
        whole = "".join(lines[:-1] if len(lines) > 1 else lines)
        try:
            chosen = csv.Sniffer().sniff(whole, delimiters=DELIMITERS).delimiter
        except csv.Error:
            # One column, or too little to tell: the most frequent candidate of the header.
            first = lines[0] if lines else ""
            chosen = max(DELIMITERS, key=first.count)

    class ListDialect(csv.Dialect):
        delimiter = chosen
        quotechar = quote or '"'
        doublequote = True
        skipinitialspace = False
        lineterminator = "\r\n"
        quoting = csv.QUOTE_MINIMAL
        strict = False

    return ListDialect

"""Opening a list file: XLSX by its content (a ZIP archive) or name, CSV otherwise."""

from __future__ import annotations

from pathlib import Path

from hub.core.lists.csvsource import DEFAULT_MAX_LINE, CsvSource
from hub.core.lists.errors import ListFileError
from hub.core.lists.rows import ListSource
from hub.core.lists.xlsxsource import XlsxSource

_ZIP = b"PK\x03\x04"


def open_list(path: Path, *, encoding: str | None = None, delimiter: str | None = None, quote: str | None = None,
              header_row: int = 1, max_line: int = DEFAULT_MAX_LINE) -> ListSource:
    """The list file at ``path``, its header (on ``header_row``) read; ``ListFileError``
    if it cannot be."""
    if not path.is_file():
        raise ListFileError(str(path), "no such file")
    with path.open("rb") as binary:
        magic = binary.read(4)
    if magic == _ZIP or path.suffix.lower() in (".xlsx", ".xlsm"):
        if encoding or delimiter or quote:
            raise ListFileError(str(path), "an XLSX file has no encoding, delimiter or quote to give")
        return XlsxSource(path, header_row)
    return CsvSource(path, encoding=encoding, delimiter=delimiter, quote=quote, header_row=header_row,
                     max_line=max_line)

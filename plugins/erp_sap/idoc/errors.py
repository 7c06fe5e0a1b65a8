"""Errors of the IDoc codec: each names the IDoc number, the segment and the position."""

from __future__ import annotations

from hub.api import DocumentError


class IdocError(DocumentError):
    """An IDoc cannot be read or written: names IDoc number, segment, position and reason.

    ``position`` says where in the payload the problem is (``line 12``, ``record 7 at
    character offset 5765``, ``XML line 40``) so an administrator can open the file there.
    """

    def __init__(self, docnum: str, segment: str, position: str, reason: str, source: str = "") -> None:
        self.docnum = docnum
        self.segment = segment
        self.position = position
        self.source = source
        self.detail = reason
        document = f"IDoc {docnum}" if docnum else "IDoc (number unknown)"
        if source:
            document = f"{document} in {source}"
        super().__init__(
            document, segment or "control record", f"{position}: {reason}" if position else reason
        )


class DefinitionError(DocumentError):
    """An IDoc type description (WE63 parser text, XSD, JSON) is unusable: names file and line."""

    def __init__(self, file: str, line: int | None, item: str, reason: str) -> None:
        self.file = file
        self.line = line
        where = f"{file}:{line}" if line else file
        super().__init__(where, item, reason)

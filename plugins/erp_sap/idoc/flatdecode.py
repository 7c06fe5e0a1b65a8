"""Where a flat IDoc file stops being text in its encoding, found once the reader has failed.

The flat reader decodes through ``io.TextIOWrapper``, which decodes kilobytes ahead of
the records it hands out, so its UnicodeDecodeError names neither the byte nor the
record: a latin-1 file read as UTF-8 failed "after line 0". For a payload held in memory
(``hub ingest``, the file ports, the HTTP port) the bytes are decoded again, a chunk at a
time, to name the byte, its line, its record's segment and the IDoc it belongs to.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from plugins.erp_sap.idoc.control import DATA_DOCNUM, SEGNAM

_CHUNK = 1 << 20
_DOCNUM_IN_CONTROL = slice(13, 29)


@dataclass(frozen=True)
class BadByte:
    """The first byte that is no character of the file's encoding, and where it stands."""

    offset: int
    line: int
    value: int
    reason: str
    docnum: str
    segment: str

    def position(self) -> str:
        """Where, as the flat reader names positions."""
        return f"line {self.line}, byte {self.offset}"


def find_bad_byte(data: bytes, encoding: str) -> BadByte | None:
    """The first undecodable byte of ``data``; None when it all decodes (or the codec is unknown)."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        return None
    for start in range(0, len(data), _CHUNK):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(data[start : start + _CHUNK], final=start + _CHUNK >= len(data))
        except UnicodeDecodeError as exc:
            return _located(data, start - pending + exc.start, exc.reason)
    return None


def _located(data: bytes, offset: int, reason: str) -> BadByte:
    record = data.rfind(b"\n", 0, offset) + 1
    control = data.rfind(b"EDI_DC40", 0, offset)
    # fields SAP fills with digits and letters only: ASCII in every encoding a flat file comes in
    docnum = data[control:][_DOCNUM_IN_CONTROL].decode("latin-1").strip() if control >= 0 else ""
    head = data[record:offset]
    segment = "" if head.startswith(b"EDI_DC40") else head[SEGNAM].decode("latin-1").rstrip()
    if not docnum.isdigit():
        docnum = head[DATA_DOCNUM].decode("latin-1").strip() if len(head) >= DATA_DOCNUM.stop else ""
    return BadByte(offset, data.count(b"\n", 0, offset) + 1, data[offset], reason,
                   docnum if docnum.isdigit() else "", segment)

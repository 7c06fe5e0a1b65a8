"""Cutting an IDoc file into parts of whole IDocs without parsing it, for a load on every core.

A part is a payload the codecs read on their own: for IDoc-XML, the file's head (the
XML declaration and the root element's start tag) before its IDocs and the root's end
tag after them; for a flat file, the bare control and data records. IDocs are found
by the markers that ``count_idocs`` counts (``<IDOC`` elements, ``EDI_DC40`` control
records), reading the file in blocks, so a file of any size needs constant memory.
The parts are checked where they are parsed: a part that reads to another number of
IDocs than its markers said is refused (``hub.core.inbound.loadpart``).

A payload in memory (the HTTP port's, one file of ``hub ingest``) is cut the same way
into as many parts as there are workers to map them (``split_idoc_payload``), so that
one large payload is mapped on every core (``hub.core.inbound.spread``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from hub.api import SourcePart
from plugins.erp_sap.idoc.sniff import accepts_xml

BLOCK_BYTES = 1 << 20
XML_IDOC = re.compile(rb"<IDOC[\s>]")
FLAT_IDOC = re.compile(rb"EDI_DC40")
START_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
LONGEST_MARKER = 8


def splittable(path: Path) -> bool:
    """Whether the file can be cut by byte markers: UTF-8 or single-byte text, not UTF-16."""
    with path.open("rb") as handle:
        return _byte_text(handle.read(4096))


def _byte_text(head: bytes) -> bool:
    return b"\x00" not in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


def split_idoc_file(path: Path, size: int) -> Iterator[SourcePart]:
    """The IDocs of ``path`` in parts of ``size`` (the last may hold fewer), in order."""
    with path.open("rb") as handle:
        yield from _split(handle, size)


def split_idoc_payload(payload: bytes, parts: int) -> list[SourcePart] | None:
    """``payload``'s IDocs in at most ``parts`` parts of nearly equal size, in order;
    None when its encoding cannot be cut by byte markers (UTF-16)."""
    head = payload[:4096]
    if not _byte_text(head):
        return None
    marker = XML_IDOC if accepts_xml(head) else FLAT_IDOC
    count = sum(1 for _ in marker.finditer(payload))
    if count == 0:
        return []
    return list(_split(io.BytesIO(payload), -(-count // max(parts, 1))))


def _split(handle: IO[bytes], size: int) -> Iterator[SourcePart]:
    """The IDocs read from ``handle`` in parts of ``size``, in order."""
    buffer = handle.read(BLOCK_BYTES)
    xml = accepts_xml(buffer[:4096])
    marker = XML_IDOC if xml else FLAT_IDOC
    starts: list[int] = []
    scanned = 0
    head: bytes | None = None
    closing = b""
    while True:
        starts.extend(found.start() for found in marker.finditer(buffer, scanned))
        # A marker cut by the end of the buffer is found in the next pass, and only then.
        scanned = max(starts[-1] + 1 if starts else 0, len(buffer) - LONGEST_MARKER + 1, 0)
        if head is None and starts:
            head = buffer[:starts[0]]
            closing = _root_end(head) if xml else b""
        # A part is complete when the IDoc after it has begun.
        while len(starts) > size:
            assert head is not None
            yield SourcePart(head + buffer[starts[0]:starts[size]] + closing, size)
            cut = starts[size]
            buffer, scanned = buffer[cut:], scanned - cut
            starts = [start - cut for start in starts[size:]]
        block = handle.read(BLOCK_BYTES)
        if not block:
            break
        buffer += block
    if head is not None:
        # The file's own end closes the last part (for IDoc-XML, the root's end tag).
        yield SourcePart(head + buffer[starts[0]:], len(starts))


def _root_end(head: bytes) -> bytes:
    """The end tag of the element the IDocs sit in: the last start tag of the head, if any."""
    tags = START_TAG.findall(head)
    return b"</" + tags[-1] + b">" if tags else b""

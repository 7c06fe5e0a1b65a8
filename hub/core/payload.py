"""Reading a payload file within the hub's size limit (``max_payload_bytes``).

``hub ingest`` and the file ports hold a whole file in memory while they parse it (a
corrupted file must store nothing, so nothing posts before all of it is read), so a
file of any size would take memory of any size. The limit is checked on the file
system's word first, before a byte is read: an oversize file costs nothing but the
refusal. ``hub load`` streams its source instead and is not limited.
"""

from __future__ import annotations

from pathlib import Path

from hub.core.errors import DocumentError


class PayloadTooLargeError(DocumentError):
    """A file above ``max_payload_bytes``: refused unread, nothing of it stored."""

    def __init__(self, name: str, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(name, "(payload)", f"the file is {size:,} bytes, above the limit of {limit:,} bytes"
                                            " (max_payload_bytes): not read, nothing stored")


def read_payload(path: Path, name: str, limit: int) -> bytes:
    """The bytes of the file at ``path`` (called ``name`` in errors); PayloadTooLargeError
    when it is larger than ``limit`` bytes.

    The size comes from the file system before anything is read. The read asks for that
    size (asking for the limit would allocate the limit for every small file) and one byte
    more; a file that grew in between is read on, to one byte past the limit at most.
    """
    size = path.stat().st_size
    if size > limit:
        raise PayloadTooLargeError(name, size, limit)
    with path.open("rb") as stream:
        data = stream.read(size + 1)
        if len(data) > size:
            data += stream.read(limit + 1 - len(data))
    if len(data) > limit:
        raise PayloadTooLargeError(name, max(path.stat().st_size, len(data)), limit)
    return data

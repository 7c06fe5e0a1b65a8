"""Which text encoding a list file is in, when nobody said.

A byte-order mark decides (UTF-8, UTF-16, UTF-32); UTF-16 without one shows by its NUL
bytes beside every Latin letter. Otherwise the file's first
megabyte is tried as UTF-8: text in any other encoding that is not plain ASCII almost
never decodes as UTF-8 by chance. If it does not decode, the file is taken as
Windows-1252 (what Excel writes for "CSV" on a Western European Windows), or as
Latin-1 if it holds one of the five bytes Windows-1252 leaves undefined. A row further
down that does not decode in the encoding chosen fails on its own, naming its column
(``hub.core.lists.csvsource``).
"""

from __future__ import annotations

import codecs

SAMPLE_BYTES = 1 << 20
"""How much of a file is read to guess its encoding and dialect."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def detect_encoding(sample: bytes) -> str:
    """The encoding of a file that starts with ``sample`` (Python codec name)."""
    for bom, name in _BOMS:  # UTF-32 LE first: its mark starts like UTF-16 LE's
        if sample.startswith(bom):
            return name
    head = sample[:4096]
    if head.count(0) > len(head) // 4:
        # Text has no NUL bytes; UTF-16 without a mark has one beside every Latin letter.
        return "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # Not final: the sample may end inside a character.
        decoder.decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _CP1252_UNDEFINED.isdisjoint(sample):
        return "cp1252"
    return "latin-1"


def check_encoding(name: str) -> str:
    """``name`` as Python knows it; ``LookupError`` with the name if it knows none."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise LookupError(f"unknown encoding {name!r} (e.g. utf-8, cp1252, latin-1, utf-16)") from None

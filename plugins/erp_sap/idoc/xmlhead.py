"""What the first bytes of an XML payload say: its encoding, and whether a DTD precedes the root.

SAP writes IDoc-XML in UTF-8, but XML may as well be UTF-16, with a byte order mark or
declaring ``encoding="UTF-16"``; its markup is not ASCII bytes then, so telling IDoc-XML
from other payloads needs the head decoded first. The head also settles two refusals
before libxml2 reads a byte of the body:

- a DTD (``<!DOCTYPE``): IDoc-XML never needs one, and its entity declarations are how
  entity bombs and external-entity reads get in;
- bytes and declaration that contradict each other (UTF-16 without a byte order mark
  declaring UTF-8, a UTF-16 byte order mark on a file declaring UTF-8): libxml2 guesses
  its way through such a file, and a guess is no basis for storing a document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOMS = ((b"\xef\xbb\xbf", "UTF-8"), (b"\xff\xfe", "UTF-16LE"), (b"\xfe\xff", "UTF-16BE"))
_DECLARATION = re.compile(r"""<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


@dataclass(frozen=True)
class XmlHead:
    """The decoded head of a payload and what its bytes and its XML declaration say."""

    text: str
    """The head as text (without byte order mark), cut at a character boundary."""
    encoding: str
    """What the bytes are: ``UTF-8`` (or another ASCII-compatible encoding), ``UTF-16LE``, ``UTF-16BE``."""
    bom: bool
    declared: str | None
    """The encoding the XML declaration names, if it names one."""

    @property
    def utf16(self) -> bool:
        """Whether the bytes are UTF-16."""
        return self.encoding.startswith("UTF-16")

    @property
    def label(self) -> str:
        """The encoding to name in an error: the declared one, else what the bytes are."""
        return self.declared or self.encoding

    @property
    def codec(self) -> str:
        """The encoding to decode the payload with: what UTF-16 bytes show, else the declared one."""
        return self.encoding if self.utf16 else self.declared or self.encoding

    def encoding_problem(self) -> str | None:
        """Why the bytes and the declaration contradict each other, or None when they agree."""
        declared = (self.declared or "").upper().replace("_", "-")
        declares_utf16 = declared.startswith("UTF-16")
        if self.utf16 and not self.bom and not declares_utf16:
            said = f"declares encoding {self.declared}" if self.declared else "has no encoding declaration"
            return f"bytes are {self.encoding} without a byte order mark, but the XML {said}"
        if self.bom and self.declared and declares_utf16 != self.utf16:
            return f"starts with a {self.encoding} byte order mark but declares encoding {self.declared}"
        if not self.utf16 and (declares_utf16 or declared.startswith(("UTF-32", "UCS"))):
            return f"declares encoding {self.declared}, but its bytes are not in it"
        return None

    def doctype_line(self) -> int | None:
        """The line of a ``<!DOCTYPE`` that follows the XML declaration, comments and
        processing instructions at the start; None when there is none, or when they run on
        past the head (the reader checks the parsed document then)."""
        position = 0
        while (item := _PROLOG_ITEM.match(self.text, position)) is not None:
            position = item.end()
        if not self.text.startswith("<!DOCTYPE", position):
            return None
        return self.text.count("\n", 0, position) + 1

    def looks_like(self, *markers: str) -> bool:
        """Whether the head is markup (starts with ``<``) that contains one of ``markers``."""
        text = self.text.lstrip()
        return text.startswith("<") and any(marker in text for marker in markers)


def read_head(head: bytes) -> XmlHead:
    """Decode the first bytes of a payload as far as they go (a cut character is dropped)."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return _decoded(head[len(bom):], encoding, True)
    if head[:2] == b"<\x00":
        return _decoded(head, "UTF-16LE", False)
    if head[:2] == b"\x00<":
        return _decoded(head, "UTF-16BE", False)
    # Markup is ASCII in every other encoding an XML declaration may name; latin-1 never fails.
    text = head.decode("latin-1")
    return XmlHead(text, "UTF-8", False, _declared(text))


def _decoded(data: bytes, encoding: str, bom: bool) -> XmlHead:
    if encoding == "UTF-8":
        text = data.decode("utf-8", errors="ignore")
    else:
        text = data[: len(data) // 2 * 2].decode(encoding.replace("UTF-16", "utf-16-").lower(), errors="replace")
    return XmlHead(text, encoding, bom, _declared(text))


def _declared(text: str) -> str | None:
    match = _DECLARATION.match(text)
    return match.group(1) if match else None

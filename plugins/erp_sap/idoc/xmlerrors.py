"""libxml2's parse errors in our words: one line an administrator can act on.

lxml hands over libxml2's messages ("Opening and ending tag mismatch: NAME1 line 2 and
NAME2, line 2, column 366", "Resource limit exceeded: Text node too long, try
XML_PARSE_HUGE"); they name parser internals and options the reader of a ``.error.txt``
cannot use. The reader (``xml.py``) adds where it happened and which IDoc; this module
says what is wrong, and (``InputEnd``) whether an error means the file was cut short.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

DTD_REFUSED = "XML with a DTD or entity declarations is refused"
UNDEFINED_ENTITY = f"an entity reference other than &lt; &gt; &amp; &apos; &quot;: {DTD_REFUSED}"
TEXT_LIMIT = 10_000_000
"""libxml2's limit for one text node or attribute value (huge_tree off)."""
DEPTH_LIMIT = 256
"""libxml2's limit for nesting elements (huge_tree off)."""

_T = etree.ErrorTypes
_ENCODING = {_T.ERR_INVALID_ENCODING, _T.ERR_UNKNOWN_ENCODING, _T.ERR_UNSUPPORTED_ENCODING}
_ENTITY = {_T.ERR_UNDECLARED_ENTITY, _T.WAR_UNDECLARED_ENTITY, _T.ERR_ENTITY_LOOP}
_POSITION_SUFFIX = re.compile(r",? line \d+, column \d+$")
_MISMATCH = re.compile(r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)")
_UNDEFINED = re.compile(r"Entity '([^']*)' not defined")
_CHARACTER = {_T.ERR_INVALID_CHAR, _T.ERR_INVALID_DEC_CHARREF, _T.ERR_INVALID_HEX_CHARREF}
_CHAR_VALUE = re.compile(r"value (\d+)$|Char 0x([0-9A-Fa-f]+)")


def plain(exc: etree.XMLSyntaxError) -> str:
    """lxml's message on one line, without the position lxml appends (the reader names it)."""
    return _POSITION_SUFFIX.sub("", " ".join(str(exc.msg).split()))


def is_text_limit(exc: etree.XMLSyntaxError) -> bool:
    """Whether libxml2 stopped at a text node longer than ``TEXT_LIMIT``."""
    return exc.code == _T.ERR_RESOURCE_LIMIT and "Text node too long" in str(exc.msg)


def stopped_silently(exc: etree.XMLSyntaxError) -> bool:
    """Whether closing the parser found no document although markup was fed.

    With entity resolution off, lxml lets libxml2's "Entity 'x' not defined" pass while
    feeding (the only error it lets pass), libxml2 builds nothing after it, and closing
    the parser then reports just "no element found".
    """
    return exc.code == _T.ERR_INTERNAL_ERROR


def describe(exc: etree.XMLSyntaxError, encoding: str) -> str:
    """What is wrong, in our words; ``encoding`` is what the payload is read as (``UTF-8``)."""
    message = plain(exc)
    if exc.code == _T.ERR_INVALID_ENCODING:
        return f"not valid {encoding} (is the file in another encoding than it declares?)"
    if exc.code in _ENCODING:
        return f"declares encoding {encoding}, which is unknown"
    if exc.code in _ENTITY or "amplification" in message:
        undefined = _UNDEFINED.search(message)
        return f"entity &{undefined.group(1)}; is not defined: {DTD_REFUSED}" if undefined else DTD_REFUSED
    if exc.code == _T.ERR_RESOURCE_LIMIT:
        if "depth" in message:
            return f"elements nested more than {DEPTH_LIMIT} deep"
        if "too long" in message:
            return f"a text or attribute value longer than {TEXT_LIMIT:,} characters"
        return f"XML beyond the parser's limits: {message}"
    if exc.code == _T.ERR_DOCUMENT_EMPTY:
        return "not XML: no element where the document should start"
    mismatch = _MISMATCH.match(message)
    if mismatch:
        opened, line, closed = mismatch.groups()
        return f"XML not well-formed: closing tag </{closed}> does not match <{opened}> opened at line {line}"
    if "EntityRef" in message:
        return "XML not well-formed: an '&' that starts no entity reference (a literal & is written &amp;)"
    if exc.code in _CHARACTER:
        value = _CHAR_VALUE.search(message)
        code = (int(value.group(1)) if value.group(1) else int(value.group(2), 16)) if value else None
        what = f"character U+{code:04X}" if code is not None else "a character"
        return f"XML not well-formed: {what}, which XML does not allow"
    return f"XML not well-formed: {message}"


class InputEnd:
    """Where the input fed so far ends, counted as libxml2 counts (line, column).

    libxml2 defers part of its checks until it has seen what follows (the ``;`` of an
    entity reference, the ``>`` of a tag), so an error raised when the parser is closed
    may lie anywhere; it means the file was cut short only when it lies at the very end.
    """

    SLACK = 10
    """libxml2 reports a cut inside a declaration or a tag a few characters early."""

    def __init__(self, encoding: str) -> None:
        try:
            self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        except LookupError:  # an encoding libxml2 knows and Python does not: count bytes
            self._decoder = codecs.getincrementaldecoder("latin-1")()
        self.line = 1
        self.column = 1

    def feed(self, chunk: bytes) -> None:
        try:
            text = self._decoder.decode(chunk)
        except UnicodeError:  # a codec that refuses more than single bytes (UTF-32 without BOM): count bytes
            self._decoder = codecs.getincrementaldecoder("latin-1")()
            text = self._decoder.decode(chunk)
        newlines = text.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(text) - text.rfind("\n")
        else:
            self.column += len(text)

    def reached(self, line: int, column: int) -> bool:
        """Whether a parse error at (line, column) lies at the end of the input."""
        return line > self.line or (line == self.line and column >= self.column - self.SLACK)

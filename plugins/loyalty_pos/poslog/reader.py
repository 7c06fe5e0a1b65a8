"""Streaming POSLog reader: one document per transaction, in constant memory.

``iterparse`` hands over each top-level ``Transaction`` when its end tag is read; it is
normalised into the transaction shape, cut out as a POSLog document of its own (its
payload in the inbound archive, read again by a replay) and freed with everything
before it, so a day-end file of 100,000 transactions needs no more memory than one.
The root is ``POSLog`` (one transaction or thousands) or a lone ``Transaction``.

Security: entities are never resolved, nothing is fetched, no DTD is loaded, and a
document with a DOCTYPE is refused whole before any transaction is read.

Bad input, decided as follows (the why is in ``plugins.loyalty_pos.rejected``):

- A transaction that is well-formed XML but cannot be read (a missing SequenceNumber,
  ``abc`` for a quantity) becomes a ``POSLog.rejected`` document naming file,
  transaction and element; the file's other transactions are read and post.
- A file that stops being well-formed XML (cut off, a bad byte, an undefined entity)
  cannot be read past that point: XML gives no safe way to find where the next
  transaction starts (a recovering parser guesses, and a guess could post a receipt
  that was never rung up). Every transaction completed before the break is read and
  posts: each is whole, with its own totals, and the identity that makes a later
  resend of the file harmless. The transaction broken off, or the rest of the file
  when the break falls between transactions, becomes one ``POSLog.rejected`` document
  naming the transaction (as far as it was read), the element and XML position, and
  saying that nothing after it was read. The store resends the file; dedupe posts only
  what is missing. Its payload is what was read of that transaction, inside a POSLog
  root marked with the rejection (``hub:reason`` and its neighbours, namespace
  ``urn:crm-hub:loyalty_pos``), so that a replay rejects it again rather than posting
  a half transaction that happens to be well-formed.
- A payload that is not XML at all, or breaks before its root element, is refused
  whole (``DocumentError``): there is nothing in it to post.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import tzinfo
from html import escape
from typing import BinaryIO

from lxml import etree

from hub.api import DocumentError, RawDocument
from plugins.loyalty_pos.poslog.elements import TransactionProblem
from plugins.loyalty_pos.poslog.normalise import Normaliser
from plugins.loyalty_pos.rejected import Rejection, rejected_document
from plugins.loyalty_pos.shape import POSLOG, SYSTEM

HUB_NAMESPACE = "urn:crm-hub:loyalty_pos"
_MARK = f"{{{HUB_NAMESPACE}}}"
_MARKS = ("source", "transaction", "element", "reason")
_POSITION = re.compile(r",? line \d+(, column \d+)?$")
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
CHUNK = 512


@dataclass
class _File:
    """What is known of the file being read."""

    source: str
    root: etree._Element | None = None
    transaction_tag: str = ""
    normaliser: Normaliser | None = None
    current: etree._Element | None = None
    """The top-level Transaction whose start tag was read and end tag not yet."""
    count: int = 0
    last: str | None = None
    marked: list[str] = field(default_factory=list)
    """A replayed rejection: its source, transaction, element and reason."""


class _Chunks:
    """The payload handed to the parser in small pieces.

    libxml2 decodes and parses each piece it is given as a whole: a bad byte in a piece
    fails it before any transaction completed inside it is reported. Small pieces keep
    the transactions before a break readable (at no measurable cost to speed).
    """

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(CHUNK)


class PosLogReader:
    """Reads POSLog payloads; naive times are taken in ``zone``, missing currencies are ``currency``."""

    def __init__(self, zone: tzinfo, currency: str) -> None:
        self.zone = zone
        self.currency = currency

    def read(self, payload: bytes, source: str) -> Iterator[RawDocument]:
        """Every transaction of ``payload`` as a RawDocument (see the module docstring)."""
        return self.read_stream(io.BytesIO(payload), source)

    def read_stream(self, stream: BinaryIO, source: str) -> Iterator[RawDocument]:
        """Every transaction read from ``stream`` (e.g. an open day-end file, which then
        never sits in memory whole), as ``read`` does."""
        state = _File(source)
        # Syntax errors are collected in the thread's error log; cleared, it holds this
        # payload's only, and its first error is the cause (later ones follow from it).
        etree.clear_error_log()
        events = etree.iterparse(
            _Chunks(stream), events=("start", "end"), tag=("{*}POSLog", "{*}Transaction"),
            resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, remove_pis=True,
        )
        try:
            for event, element in events:
                if state.root is None:
                    self._begin(state, element)
                    if element.tag == state.transaction_tag:
                        state.current = element
                    continue
                if event == "start":
                    if element.tag == state.transaction_tag and element.getparent() is state.root:
                        state.current = element
                    continue
                if element is not state.current:
                    continue
                state.current = None
                if state.marked:
                    continue
                yield self._document(state, element)
                element.clear()
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            if state.root is None:
                line, column, message = _position(exc)
                raise DocumentError(source, f"XML line {line}, column {column}", f"not POSLog: {message}") from None
            yield self._broken(state, exc)
            return
        if state.root is None:
            raise DocumentError(source, "(root)", "not POSLog: no POSLog or Transaction element")
        if state.marked:
            stream.seek(0)
            yield rejected_document(Rejection(*state.marked), state.marked[1], stream.read())

    def _begin(self, state: _File, root: etree._Element) -> None:
        """Check the root (POSLog or Transaction, no DOCTYPE) and learn the file's namespace."""
        qname = etree.QName(root)
        if root.getroottree().docinfo.doctype:
            raise DocumentError(state.source, "DOCTYPE", "a document type declaration is refused"
                                                         " (no DTDs or entities in POSLog)")
        if root.getparent() is not None:
            top = etree.QName(root.getroottree().getroot()).localname
            raise DocumentError(state.source, top, "not POSLog: the root element is neither POSLog nor Transaction")
        if qname.namespace and not _valid_namespace(qname.namespace):
            raise DocumentError(state.source, qname.localname,
                                f"not POSLog: the namespace {qname.namespace!r} is not a valid URI")
        state.root = root
        state.transaction_tag = _tag_like(root, "Transaction")
        state.normaliser = Normaliser(qname.namespace or "", self.zone, self.currency)
        if root.get(_MARK + "reason") is not None:
            state.marked = [root.get(_MARK + name) or "" for name in _MARKS]

    def _document(self, state: _File, element: etree._Element) -> RawDocument:
        """The document of one complete transaction (or its rejection)."""
        assert state.normaliser is not None and state.root is not None
        state.count += 1
        payload = _DECLARATION + _wrapped(state.root, element)
        try:
            identity, shape = state.normaliser.transaction(element)
        except TransactionProblem as problem:
            identity = state.normaliser.identity(element)
            rejection = Rejection(state.source, identity.label(), problem.element, problem.reason)
            return rejected_document(rejection, identity.key or f"{state.source}#{state.count}", payload)
        key = identity.key
        assert key is not None
        state.last = key
        return RawDocument(SYSTEM, POSLOG, key, "json", shape, {}, state.source, payload, key)

    def _broken(self, state: _File, exc: etree.XMLSyntaxError) -> RawDocument:
        """The rejection of what a well-formedness error cut off."""
        assert state.normaliser is not None and state.root is not None
        line, column, message = _position(exc)
        partial = state.current
        if partial is not None:
            identity = state.normaliser.identity(partial)
            transaction, document_id = identity.label(), identity.key or f"{state.source}#{state.count + 1}"
            element = f"{_deepest(partial)} (XML line {line}, column {column})"
        else:
            transaction = f"after {state.last}" if state.last else "(none read)"
            document_id = f"{state.source}#{state.count + 1}"
            element = f"XML line {line}, column {column}"
        rejection = Rejection(state.source, transaction, element,
                              f"not well-formed XML ({message}); nothing from here to the end of the file was read")
        return rejected_document(rejection, document_id, _marked(state.root, partial, rejection))


def _valid_namespace(namespace: str) -> bool:
    """Whether lxml accepts ``namespace`` in a new element: the parser lets a malformed
    URI through, and a rejection of the file must be able to quote its root."""
    try:
        etree.Element(f"{{{namespace}}}POSLog", nsmap={None: namespace})
    except ValueError:
        return False
    return True


def _tag_like(root: etree._Element, name: str) -> str:
    namespace = etree.QName(root).namespace
    return f"{{{namespace}}}{name}" if namespace else name


def _wrapped(root: etree._Element, transaction: etree._Element) -> bytes:
    """``transaction`` inside a POSLog root of the file's namespace: a document of its own."""
    inner = etree.tostring(transaction, encoding="UTF-8", xml_declaration=False, with_tail=False)
    if transaction is root:
        return inner
    namespace = etree.QName(root).namespace
    opening = f'<POSLog xmlns="{escape(namespace)}">'.encode() if namespace else b"<POSLog>"
    return opening + inner + b"</POSLog>"


def _marked(root: etree._Element, partial: etree._Element | None, rejection: Rejection) -> bytes:
    """What was read of a broken transaction, in a POSLog root marked with the rejection."""
    namespace = etree.QName(root).namespace
    nsmap = {None: namespace, "hub": HUB_NAMESPACE} if namespace else {"hub": HUB_NAMESPACE}
    marked = etree.Element(_tag_like(root, "POSLog"), nsmap=nsmap)
    for name in _MARKS:
        marked.set(_MARK + name, getattr(rejection, name))
    if partial is not None and partial is not root:
        marked.append(deepcopy(partial))
    return etree.tostring(marked, encoding="UTF-8", xml_declaration=True)


def _deepest(element: etree._Element) -> str:
    """The path to the element last begun under ``element``: where the XML broke off
    (a line item named by its SequenceNumber when that was read)."""
    names = [_local_name(element)]
    while len(element):
        element = element[-1]
        name = _local_name(element)
        number = next((c.text for c in element if _local_name(c) == "SequenceNumber" and c.text), None)
        names.append(f"{name}[{number.strip()}]" if name == "LineItem" and number else name)
    return "/".join(names)


def _local_name(element: etree._Element) -> str:
    """An element's name without namespace or prefix. Not ``etree.QName``: the part of a
    broken file read before the break can hold a tag whose prefix was never declared
    (``cme:Itemizers``), which QName refuses; a comment or PI has no name."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2].rpartition(":")[2]


def _position(exc: etree.XMLSyntaxError) -> tuple[int, int, str]:
    """Line, column and message of the first error behind a syntax error (the parser
    raises the last one it met, which may only follow from the first)."""
    first = next((e for e in exc.error_log if e.level >= etree.ErrorLevels.ERROR), None)
    if first is not None:
        return first.line, first.column, _POSITION.sub("", first.message)
    line, column = exc.position if exc.position else (0, 0)
    return line, column, _POSITION.sub("", exc.msg or "")

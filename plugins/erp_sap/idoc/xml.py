"""IDoc-XML: streaming reader and writer (lxml, no DTD, no entities, no network).

The layout SAP writes: the root element is the basic type (``DEBMAS07``), or the
extension type when CIMTYP is set; under it one ``<IDOC BEGIN="1">`` per IDoc, whose
first child is the control record ``<EDI_DC40 SEGMENT="1">`` and whose other children
are segments (``SEGMENT="1"``) holding field elements and child segments. Namespaced
names are written with ``_-`` for ``/`` (``_-ABC_-E1XYZ`` is ``/ABC/E1XYZ``).

The reader feeds lxml's pull parser a chunk at a time and frees each ``IDOC`` element
once converted, so a file of a million IDocs parses in constant memory. libxml2's
limits for huge trees stay on: they bound one text node (10,000,000 characters) and the
nesting depth, not the size of a file, so an oversize value is stopped before it is
built whole, and ``xmlconvert`` then holds every value to its SAP field length. Every
parse error becomes one IdocError in our words (``xmlerrors``), naming the IDoc being
read when its number was read, else the last complete one.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from lxml import etree

from hub.api import RawDocument, Segment
from plugins.erp_sap.idoc import xmlerrors
from plugins.erp_sap.idoc.control import CONTROL_FIELDS, control_field_length
from plugins.erp_sap.idoc.definitions import DefinitionRegistry, SegmentDef
from plugins.erp_sap.idoc.errors import IdocError
from plugins.erp_sap.idoc.xmlconvert import Converter, element_name
from plugins.erp_sap.idoc.xmlhead import XmlHead, read_head

_CHUNK = 1 << 16


def _tag(name: str) -> str:
    return name.replace("/", "_-")


def _standalone(idoc: etree._Element, root: str) -> bytes:
    """One IDoc as an IDoc-XML document of its own (its root element around the IDOC as
    read): its copy for the inbound archive, readable again on replay."""
    inner = etree.tostring(idoc, encoding="unicode", with_tail=False)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>{inner}</{root}>'.encode()


def _complete_docnum(idoc: etree._Element) -> str:
    """The DOCNUM of a partly read IDOC element, if its control record got that far."""
    head = next((c for c in idoc if isinstance(c.tag, str)), None)
    if head is None or not element_name(str(head.tag)).startswith("EDI_DC40"):
        return ""
    for field in head:
        if isinstance(field.tag, str) and element_name(field.tag) == "DOCNUM":
            # the text is whole once anything follows the element
            whole = field.tail is not None or field.getnext() is not None or head.getnext() is not None
            value = (field.text or "").strip()
            return value if whole and value.isdigit() and len(value) <= 16 else ""
    return ""


def _innermost(element: etree._Element) -> etree._Element:
    while len(element):
        element = element[-1]
    return element


class _Reader:
    """One pass over one IDoc-XML payload; remembers where it is for the error messages."""

    def __init__(self, source: str, registry: DefinitionRegistry) -> None:
        self.source = source
        self.registry = registry
        self.converter = Converter(registry, source)
        self.head: XmlHead | None = None
        self.end = xmlerrors.InputEnd("utf-8")
        self.current: etree._Element | None = None
        self.last = ""
        self.count = 0
        self.markup = False

    def error(self, docnum: str, segment: str, where: str, reason: str) -> IdocError:
        if not docnum and self.last:
            where = f"{where} (after IDoc {self.last})"
        return IdocError(docnum, segment, where, reason, self.source)

    def read(self, stream: IO[bytes]) -> Iterator[RawDocument]:
        chunk = stream.read(_CHUNK)
        self.head = head = read_head(chunk)
        problem = head.encoding_problem()
        if problem:
            raise self.error("", "XML", "XML line 1", problem)
        doctype = head.doctype_line()
        if doctype is not None:
            raise self.error("", "XML", f"XML line {doctype}", xmlerrors.DTD_REFUSED)
        parser = etree.XMLPullParser(
            events=("start", "end"), tag="{*}IDOC", resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
        )
        end = self.end = xmlerrors.InputEnd(head.codec)
        closing = False
        try:
            while chunk:
                self.markup = self.markup or b"<" in chunk
                end.feed(chunk)
                parser.feed(chunk)
                yield from self._documents(parser)
                chunk = stream.read(_CHUNK)
            closing = True
            parser.close()
        except etree.XMLSyntaxError as exc:
            if not closing:  # closing ends the open elements, which would read as complete
                self._catch_up(parser)
            raise self._syntax_error(exc, closing) from exc
        yield from self._documents(parser)
        if self.count == 0:
            raise self.error("", "", "", "no <IDOC> element found: not IDoc-XML")

    def _documents(self, parser: etree.XMLPullParser) -> Iterator[RawDocument]:
        for event, idoc in parser.read_events():
            if event == "start":
                if self.current is None and self.count == 0 and idoc.getroottree().docinfo.doctype:
                    raise self.error("", "XML", f"before XML line {idoc.sourceline}", xmlerrors.DTD_REFUSED)
                self.current = idoc
                continue
            parent = idoc.getparent()
            root = element_name(str(parent.tag)) if parent is not None else ""
            self.count += 1
            document = self.converter.convert(idoc, root, self.count)
            document.payload = _standalone(idoc, root)
            self.last = document.document_id
            self.current = None
            idoc.clear()
            if parent is not None:
                while idoc.getprevious() is not None:
                    del parent[0]
            yield document

    def _catch_up(self, parser: etree.XMLPullParser) -> None:
        """Take note of the IDocs begun and ended in the chunk that failed, so that the
        error names the right one; nothing of a failed payload is converted any more."""
        for event, idoc in parser.read_events():
            if event == "start":
                self.current = idoc
            else:
                self.last = _complete_docnum(idoc) or self.last
                self.current = None

    def _syntax_error(self, exc: etree.XMLSyntaxError, closing: bool) -> IdocError:
        """The IdocError for a parse error: the IDoc in progress (or the last one), the
        segment and field being read, and what is wrong in our words."""
        line, column = exc.position if exc.position and exc.position[0] else (exc.lineno or 0, 0)
        where = f"XML line {line} column {column}" if line else "end of XML"
        idoc = self.current
        docnum = _complete_docnum(idoc) if idoc is not None else ""
        inner = _innermost(idoc) if idoc is not None else None
        if inner is not None and inner.getroottree().docinfo.doctype:
            return self.error(docnum, "XML", where, xmlerrors.DTD_REFUSED)
        if inner is not None and inner is not idoc and xmlerrors.is_text_limit(exc):
            return self._oversize_text(docnum, inner)
        if closing and xmlerrors.stopped_silently(exc):
            if not self.markup:
                return self.error("", "XML", "", "empty payload: no XML in it")
            at = f"XML line {inner.sourceline}" if inner is not None and inner.sourceline else where
            return self.error(docnum, "XML", at, xmlerrors.UNDEFINED_ENTITY)
        if closing and self.end.reached(line, column) and exc.code != etree.ErrorTypes.ERR_DOCUMENT_EMPTY:
            return self.error(docnum, "XML", where, self._truncated(docnum, idoc))
        encoding = self.head.label if self.head is not None else "UTF-8"
        return self.error(docnum, "XML", where, xmlerrors.describe(exc, encoding))

    def _truncated(self, docnum: str, idoc: etree._Element | None) -> str:
        if docnum:
            return f"XML ends before IDoc {docnum} is complete (truncated?)"
        if idoc is not None:
            return f"XML ends inside the IDoc that starts at XML line {idoc.sourceline}, before its DOCNUM (truncated?)"
        if self.count:
            return "XML ends after the last complete IDoc, before the root element is closed (truncated?)"
        return "XML ends before the first IDoc (empty or truncated?)"

    def _oversize_text(self, docnum: str, element: etree._Element) -> IdocError:
        """libxml2 stopped at a text longer than it builds: name the field and its length."""
        field = element_name(str(element.tag))
        parent = element.getparent()
        segment = element_name(str(parent.tag)) if parent is not None else ""
        limit = self._field_length(segment, field)
        fit = f", at most {limit} fit" if limit is not None else ""
        return self.error(docnum, segment, f"XML line {element.sourceline}",
                          f"field {field} is more than {xmlerrors.TEXT_LIMIT:,} characters{fit}")

    def _field_length(self, segment: str, field: str) -> int | None:
        idoc = self.current
        head = next((c for c in idoc if isinstance(c.tag, str)), None) if idoc is not None else None
        if head is None:
            return None
        if segment.startswith("EDI_DC40"):
            return control_field_length(field)
        control = {element_name(c.tag): (c.text or "").strip() for c in head if isinstance(c.tag, str)}
        defn = self.registry.get(control.get("IDOCTYP", ""), control.get("CIMTYP", ""))
        sdef = defn.get(segment) if defn is not None else None
        return sdef.lengths.get(field) if sdef is not None else None


def read_xml(payload: bytes | IO[bytes], source: str = "",
             registry: DefinitionRegistry | None = None) -> Iterator[RawDocument]:
    """Parse IDoc-XML one IDoc at a time; raises IdocError for malformed XML or IDocs."""
    stream = io.BytesIO(bytes(payload)) if isinstance(payload, (bytes, bytearray, memoryview)) else payload
    return _Reader(source, registry or DefinitionRegistry()).read(stream)


def _segment_element(segment: Segment, defn_get: Callable[[str], SegmentDef | None], docnum: str) -> etree._Element:
    element = etree.Element(_tag(segment.name), SEGMENT="1")
    sdef = defn_get(segment.name)
    names = list(segment.fields)
    if sdef is not None:
        order = {n: i for i, n in enumerate(sdef.field_names)}
        names.sort(key=lambda n: order.get(n, len(order)))
    for name in names:
        value = segment.fields[name]
        if not value:
            continue
        try:
            etree.SubElement(element, _tag(name)).text = value
        except ValueError as exc:
            raise IdocError(docnum, segment.name, f"segment {segment.number}", f"field {name}: {exc}") from exc
    for child in segment.children:
        element.append(_segment_element(child, defn_get, docnum))
    return element


def idoc_element(document: RawDocument, registry: DefinitionRegistry) -> etree._Element:
    """The ``<IDOC BEGIN="1">`` element of one IDoc."""
    control = dict(document.control)
    control.setdefault("TABNAM", "EDI_DC40")
    if "DOCNUM" not in control and document.document_id.isdigit():
        control["DOCNUM"] = document.document_id
    if "MESTYP" not in control and document.message_type:
        control["MESTYP"] = document.message_type
    docnum = control.get("DOCNUM", "")
    idoc = etree.Element("IDOC", BEGIN="1")
    head = etree.SubElement(idoc, "EDI_DC40", SEGMENT="1")
    for name in CONTROL_FIELDS:
        if control.get(name):
            etree.SubElement(head, name).text = control[name]
    unknown = sorted(set(control) - set(CONTROL_FIELDS))
    if unknown:
        raise IdocError(docnum, "", "control record", f"unknown control record field(s) {', '.join(unknown)}")
    defn = registry.get(control.get("IDOCTYP", ""), control.get("CIMTYP", ""))
    defn_get: Callable[[str], SegmentDef | None] = defn.get if defn is not None else (lambda name: None)
    for segment in document.body:
        idoc.append(_segment_element(segment, defn_get, docnum))
    return idoc


def _root_of(document: RawDocument) -> str:
    root = document.control.get("CIMTYP") or document.control.get("IDOCTYP")
    if not root:
        raise IdocError(document.control.get("DOCNUM", ""), "", "control record",
                        "IDOCTYP missing: cannot name the root element")
    return root


def write_xml(documents: Iterable[RawDocument], out: IO[bytes], registry: DefinitionRegistry | None = None) -> None:
    """Write IDocs of one type as one IDoc-XML document, streaming IDoc by IDoc."""
    registry = registry or DefinitionRegistry()
    iterator = iter(documents)
    first = next(iterator, None)
    if first is None:
        raise IdocError("", "", "", "nothing to render: no IDocs given")
    root = _root_of(first)
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(_tag(root)):
            xf.write(idoc_element(first, registry))
            for document in iterator:
                if _root_of(document) != root:
                    raise IdocError(document.document_id, "", "control record",
                                    f"one IDoc-XML file carries one IDoc type; {_root_of(document)} after {root}")
                xf.write(idoc_element(document, registry))


def render_xml(documents: Iterable[RawDocument], registry: DefinitionRegistry | None = None) -> bytes:
    """IDoc-XML bytes for ``documents`` (all of one IDoc type)."""
    out = io.BytesIO()
    write_xml(documents, out, registry)
    return out.getvalue()

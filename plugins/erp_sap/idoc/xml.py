"""IDoc-XML: streaming reader and writer (lxml, no entity resolution, no network).

The layout SAP writes: the root element is the basic type (``DEBMAS07``), or the
extension type when CIMTYP is set; under it one ``<IDOC BEGIN="1">`` per IDoc, whose
first child is the control record ``<EDI_DC40 SEGMENT="1">`` and whose other children
are segments (``SEGMENT="1"``) holding field elements and child segments. Namespaced
names are written with ``_-`` for ``/`` (``_-ABC_-E1XYZ`` is ``/ABC/E1XYZ``).

The reader uses iterparse and frees each ``IDOC`` element once converted, so a file
of a million IDocs parses in constant memory.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from lxml import etree

from hub.api import RawDocument, Segment
from plugins.erp_sap.idoc.control import CONTROL_FIELDS, sender_key
from plugins.erp_sap.idoc.definitions import DefinitionRegistry, SegmentDef
from plugins.erp_sap.idoc.errors import IdocError

SYSTEM = "erp_sap"


def _name(tag: str) -> str:
    local = tag.rsplit("}", 1)[-1]
    return local.replace("_-", "/")


def _tag(name: str) -> str:
    return name.replace("/", "_-")


def _is_segment(element: etree._Element) -> bool:
    return element.get("SEGMENT") is not None or len(element) > 0


class _Converter:
    """Turns one ``IDOC`` element into a RawDocument."""

    def __init__(self, registry: DefinitionRegistry, source: str) -> None:
        self.registry = registry
        self.source = source
        self.counter = 0

    def segment(self, element: etree._Element, docnum: str) -> Segment:
        self.counter += 1
        segment = Segment(_name(element.tag), {}, [], self.counter)
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if _is_segment(child):
                segment.children.append(self.segment(child, docnum))
            else:
                value = (child.text or "").rstrip()
                if value:
                    segment.fields[_name(child.tag)] = value
        return segment

    def convert(self, idoc: etree._Element, root: str, ordinal: int) -> RawDocument:
        elements = [c for c in idoc if isinstance(c.tag, str)]
        line = idoc.sourceline
        if not elements or not _name(elements[0].tag).startswith("EDI_DC40"):
            raise IdocError("", "", f"XML line {line}", "IDOC element does not start with the control record EDI_DC40", self.source)
        control = {}
        for field in elements[0]:
            if isinstance(field.tag, str):
                value = (field.text or "").rstrip()
                if value:
                    control[_name(field.tag)] = value
        docnum = control.get("DOCNUM", "")
        if not control.get("IDOCTYP") and not control.get("CIMTYP"):
            control["IDOCTYP"] = root
        if root not in (control.get("IDOCTYP"), control.get("CIMTYP")):
            raise IdocError(docnum, "", f"XML line {line}",
                            f"root element {root} is neither IDOCTYP {control.get('IDOCTYP')} nor CIMTYP"
                            f" {control.get('CIMTYP', '(none)')}", self.source)
        if not control.get("MESTYP"):
            raise IdocError(docnum, "", f"XML line {line}", "control record without MESTYP", self.source)
        self.counter = 0
        body = [self.segment(e, docnum) for e in elements[1:]]
        if not body:
            raise IdocError(docnum, "", f"XML line {line}", "IDoc has a control record but no segments", self.source)
        defn = self.registry.get(control.get("IDOCTYP", ""), control.get("CIMTYP", ""))
        if defn is not None:
            present = {s.name for s in body}
            for required in defn.mandatory_roots():
                if required not in present:
                    raise IdocError(docnum, required, f"XML line {line}", f"mandatory segment {required} missing", self.source)
        document_id = docnum or f"{self.source or 'payload'}#{ordinal}"
        return RawDocument(SYSTEM, control["MESTYP"], document_id, "idoc", body, control, self.source,
                           dedupe_key=sender_key(control, document_id))


def _standalone(idoc: etree._Element, root: str) -> bytes:
    """One IDoc as an IDoc-XML document of its own (its root element around the IDOC as
    read): its copy for the inbound archive, readable again on replay."""
    inner = etree.tostring(idoc, encoding="unicode", with_tail=False)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>{inner}</{root}>'.encode()


def read_xml(payload: bytes | IO[bytes], source: str = "", registry: DefinitionRegistry | None = None) -> Iterator[RawDocument]:
    """Parse IDoc-XML one IDoc at a time; raises IdocError for malformed XML or IDocs."""
    stream = io.BytesIO(bytes(payload)) if isinstance(payload, (bytes, bytearray, memoryview)) else payload
    converter = _Converter(registry or DefinitionRegistry(), source)
    events = etree.iterparse(
        stream, events=("end",), tag="{*}IDOC", resolve_entities=False, no_network=True,
        load_dtd=False, huge_tree=True, remove_comments=True, remove_pis=True,
    )
    count = 0
    last = ""
    try:
        for _, idoc in events:
            parent = idoc.getparent()
            root = _name(parent.tag) if parent is not None else ""
            count += 1
            document = converter.convert(idoc, root, count)
            document.payload = _standalone(idoc, root)
            last = document.document_id
            idoc.clear()
            if parent is not None:
                while idoc.getprevious() is not None:
                    del parent[0]
            yield document
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, 0)
        where = f"XML line {line} column {column}" + (f" (after IDoc {last})" if last else "")
        raise IdocError("", "XML", where, f"XML not well-formed: {exc.msg}", source) from exc
    if count == 0:
        raise IdocError("", "", "", "no <IDOC> element found: not IDoc-XML", source)


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
        raise IdocError(document.control.get("DOCNUM", ""), "", "control record", "IDOCTYP missing: cannot name the root element")
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

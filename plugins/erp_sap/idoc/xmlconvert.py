"""One parsed ``<IDOC>`` element into a RawDocument, every value checked against its SAP length.

A flat record cannot carry more than its 1063 characters, but an XML element holds any
amount of text, so the IDoc-XML reader is where an oversize value must be stopped: a
value longer than its field (the definitions know every field's length, control.py the
control record's) is refused, naming IDoc, segment, field and XML line, before it reaches
the mapping or the inbound archive. Fields a definition does not list (definitions may
list only a segment's leading fields, and segments without definition keep all theirs)
share what SAP's 1000-character SDATA leaves past the defined fields.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from lxml import etree

from hub.api import RawDocument, Segment
from plugins.erp_sap.idoc.control import CONTROL_LENGTHS, SDATA_LENGTH, SEGNAM, sender_key
from plugins.erp_sap.idoc.definitions import DefinitionRegistry, SegmentDef
from plugins.erp_sap.idoc.errors import IdocError

SYSTEM = "erp_sap"
SEGNAM_LENGTH = SEGNAM.stop
IDOCTYP_LENGTH = CONTROL_LENGTHS["IDOCTYP"]
CIMTYP_LENGTH = CONTROL_LENGTHS["CIMTYP"]
CUSTOMER_NAMESPACE = ("Z", "Y", "/")
"""First characters of SAP's customer namespace, where extension types are named."""
_NO_FIELDS: dict[str, int] = {}


@lru_cache(maxsize=4096)
def element_name(tag: str) -> str:
    """Segment or field name of an element: namespace dropped, ``_-`` read as ``/``.

    Remembered (a file has a few hundred tags at most; the cache is bounded all the
    same): this runs for every element, and the cache pays for the length checks.
    """
    local = tag.rsplit("}", 1)[-1]
    return local.replace("_-", "/")


def is_segment(element: etree._Element) -> bool:
    """Segments are marked ``SEGMENT="1"``; an element with children is one all the same."""
    return element.get("SEGMENT") is not None or len(element) > 0


def _undefined(name: str) -> SegmentDef | None:
    return None


def _overflow(fields: dict[str, str], sdef: SegmentDef | None, rest: int, room: int) -> str:
    """Why fields that a definition does not list (all fields, without one) overflow SDATA."""
    if sdef is None:
        return f"segment without definition whose fields hold {rest} characters; SDATA holds at most {room}"
    names = ", ".join(name for name in fields if name not in sdef.lengths)
    return (f"fields {names}, which the definition does not list, hold {rest} characters;"
            f" past its defined fields SDATA holds {room}")


class Converter:
    """Turns ``IDOC`` elements into RawDocuments; numbers segments within each IDoc."""

    def __init__(self, registry: DefinitionRegistry, source: str) -> None:
        self.registry = registry
        self.source = source
        self.counter = 0

    def fail(self, docnum: str, segment: str, element: etree._Element, reason: str) -> IdocError:
        return IdocError(docnum, segment, f"XML line {element.sourceline}", reason, self.source)

    def segment(self, element: etree._Element, docnum: str, defined: Callable[[str], SegmentDef | None]) -> Segment:
        self.counter += 1
        name = element_name(str(element.tag))
        sdef = defined(name)
        if sdef is None and len(name) > SEGNAM_LENGTH:
            raise self.fail(docnum, name[:SEGNAM_LENGTH] + "...", element,
                            f"segment name is {len(name)} characters, at most {SEGNAM_LENGTH} fit")
        fields: dict[str, str] = {}
        segment = Segment(name, fields, [], self.counter)
        length_of = sdef.lengths.get if sdef is not None else _NO_FIELDS.get
        rest = 0
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if is_segment(child):
                segment.children.append(self.segment(child, docnum, defined))
                continue
            value = (child.text or "").rstrip()
            if value:
                field = element_name(child.tag)
                fields[field] = value
                limit = length_of(field)
                if limit is None:
                    rest += len(value)
                elif len(value) > limit:
                    raise self.fail(docnum, name, child,
                                    f"field {field} is {len(value)} characters, at most {limit} fit")
        if rest:
            room = SDATA_LENGTH - sdef.length if sdef is not None else SDATA_LENGTH
            if rest > room:
                raise self.fail(docnum, name, element, _overflow(fields, sdef, rest, room))
        return segment

    def control(self, head: etree._Element) -> dict[str, str]:
        """The control record's fields, each checked against its length in EDI_DC40."""
        control: dict[str, str] = {}
        oversize = None
        for field in head:
            if isinstance(field.tag, str):
                value = (field.text or "").rstrip()
                if value:
                    name = element_name(field.tag)
                    control[name] = value
                    if len(value) > CONTROL_LENGTHS.get(name, 0) and oversize is None:
                        oversize = field
        docnum = control.get("DOCNUM", "")
        if len(docnum) > CONTROL_LENGTHS["DOCNUM"] or not docnum.isdigit():
            docnum = ""
        if oversize is not None:
            name = element_name(str(oversize.tag))
            limit = CONTROL_LENGTHS.get(name)
            if limit is None:
                raise self.fail(docnum, "", oversize, f"{name} is no field of the control record EDI_DC40")
            raise self.fail(docnum, "", oversize, f"control field {name} is {len(control[name])} characters,"
                                                  f" at most {limit} fit")
        if "DOCNUM" in control and not docnum:
            where = next(f for f in head if isinstance(f.tag, str) and element_name(f.tag) == "DOCNUM")
            raise self.fail("", "", where, f"DOCNUM {control['DOCNUM']!r} is not a number (corrupted control record?)")
        return control

    def convert(self, idoc: etree._Element, root: str, ordinal: int) -> RawDocument:
        """The RawDocument of one complete ``IDOC`` element under root element ``root``."""
        elements = [c for c in idoc if isinstance(c.tag, str)]
        if not elements or not element_name(str(elements[0].tag)).startswith("EDI_DC40"):
            raise self.fail("", "", idoc, "IDOC element does not start with the control record EDI_DC40")
        control = self.control(elements[0])
        docnum = control.get("DOCNUM", "")
        if not control.get("IDOCTYP") and not control.get("CIMTYP"):
            if len(root) > IDOCTYP_LENGTH:
                raise self.fail(docnum, "", idoc, f"root element {root[:IDOCTYP_LENGTH]}... names no IDoc type:"
                                                  f" {len(root)} characters, at most {IDOCTYP_LENGTH} fit")
            control["IDOCTYP"] = root
        if not control.get("CIMTYP") and root != control.get("IDOCTYP") and root[:1] in CUSTOMER_NAMESPACE \
                and len(root) <= CIMTYP_LENGTH:
            # Systems that write a customer extension often name it only as the root element;
            # another basic type there (DEBMAS07 for MATMAS05) is still refused below.
            control["CIMTYP"] = root
        if root not in (control.get("IDOCTYP"), control.get("CIMTYP")):
            raise self.fail(docnum, "", idoc, f"root element {root} is neither IDOCTYP {control.get('IDOCTYP')}"
                                              f" nor CIMTYP {control.get('CIMTYP', '(none)')}")
        if not control.get("MESTYP"):
            raise self.fail(docnum, "", idoc, "control record without MESTYP")
        defn = self.registry.get(control.get("IDOCTYP", ""), control.get("CIMTYP", ""))
        self.counter = 0
        body = [self.segment(e, docnum, defn.get if defn is not None else _undefined) for e in elements[1:]]
        if not body:
            raise self.fail(docnum, "", idoc, "IDoc has a control record but no segments")
        if defn is not None:
            present = {s.name for s in body}
            for required in defn.mandatory_roots():
                if required not in present:
                    raise self.fail(docnum, required, idoc, f"mandatory segment {required} missing")
        document_id = docnum or f"{self.source or 'payload'}#{ordinal}"
        return RawDocument(SYSTEM, control["MESTYP"], document_id, "idoc", body, control, self.source,
                           dedupe_key=sender_key(control, document_id))

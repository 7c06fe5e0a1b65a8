"""Import an IDoc-XML XSD (as SAP's WE60 exports it, or as SAP PI/PO holds it).

The XSD names the segments, their nesting, occurrences and each field's
``maxLength``, in SAP's order. SAP fields follow one another without gaps, so
offsets are the running sum of the lengths. What an XSD does not carry is inferred:
the flat definition name is ``E2...`` without version suffix, and HLEVEL is 1 for a
top-level segment that occurs at most once, 2 for other top-level segments, and the
parent's level plus one below.
"""

from __future__ import annotations

from lxml import etree

from plugins.erp_sap.idoc.definitions import FieldDef, IdocTypeDef, SegmentDef
from plugins.erp_sap.idoc.errors import DefinitionError

XS = "{http://www.w3.org/2001/XMLSchema}"


def looks_like_xsd(head: bytes) -> bool:
    """Whether a payload is an XML schema."""
    return b"http://www.w3.org/2001/XMLSchema" in head and b"schema" in head


def _local(name: str | None) -> str:
    return (name or "").split(":")[-1]


class _Schema:
    def __init__(self, root: etree._Element, file: str) -> None:
        self.file = file
        self.types = {t.get("name"): t for t in root.findall(f"{XS}complexType")}
        # Top-level elements: an XSD names each of them.
        self.elements = {name: e for e in root.findall(f"{XS}element") if (name := e.get("name"))}

    def fail(self, node: etree._Element, item: str, reason: str) -> DefinitionError:
        return DefinitionError(self.file, node.sourceline, item, reason)

    def complex_of(self, element: etree._Element) -> etree._Element | None:
        inline = element.find(f"{XS}complexType")
        if inline is not None:
            return inline
        type_name = _local(element.get("type"))
        return self.types.get(type_name)

    def children(self, complex_type: etree._Element) -> list[etree._Element]:
        found = []
        for node in complex_type.iter(f"{XS}element"):
            # only direct content of this type, not elements of nested inline types
            owner = node.getparent()
            while owner is not None and owner.tag != f"{XS}complexType":
                owner = owner.getparent()
            if owner is complex_type:
                found.append(node)
        return found

    def max_length(self, element: etree._Element) -> int | None:
        for node in element.iter(f"{XS}maxLength", f"{XS}length"):
            return int(node.get("value", "0"))
        return None


def _occurs(value: str | None, default: int) -> int:
    if value is None:
        return default
    return 999999 if value == "unbounded" else int(value)


def parse_xsd(payload: bytes, file: str = "<xsd>") -> IdocTypeDef:
    """The IDoc type an IDoc-XML XSD describes; raises DefinitionError with file and line."""
    try:
        root = etree.fromstring(payload, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError as exc:
        raise DefinitionError(file, exc.lineno, "xml", f"not well-formed: {exc.msg}") from exc
    if root.tag != f"{XS}schema":
        raise DefinitionError(file, root.sourceline, "schema", "not an XML schema")
    schema = _Schema(root, file)
    for idoc_name, element in schema.elements.items():  # noqa: B007 - idoc_name is read after the break
        complex_type = schema.complex_of(element)
        if complex_type is None:
            continue
        idoc = next((c for c in schema.children(complex_type) if c.get("name") == "IDOC"), None)
        if idoc is not None:
            break
    else:
        raise DefinitionError(file, None, "IDOC", "no root element containing an IDOC element")
    idoc_type = schema.complex_of(idoc)
    if idoc_type is None:
        raise schema.fail(idoc, "IDOC", "IDOC element has no type")
    segments: dict[str, SegmentDef] = {}

    def add_segment(element: etree._Element, parent: str | None, parent_level: int) -> None:
        name = element.get("name") or ""
        body = schema.complex_of(element)
        if body is None:
            raise schema.fail(element, name, "segment element has no complex type")
        low, high = _occurs(element.get("minOccurs"), 1), _occurs(element.get("maxOccurs"), 1)
        level = parent_level + 1 if parent else (1 if high == 1 else 2)
        fields, children, offset = [], [], 0
        for child in schema.children(body):
            child_name = child.get("name") or ""
            if schema.complex_of(child) is not None:
                children.append(child)
                continue
            length = schema.max_length(child)
            if length is None:
                raise schema.fail(child, f"{name}-{child_name}", "field without maxLength")
            fields.append(FieldDef(child_name, offset, length))
            offset += length
        seg_type = name.replace("_-", "/")
        if seg_type in segments:
            raise schema.fail(element, seg_type, "segment defined twice")
        definition = seg_type[0] + "2" + seg_type[2:] if seg_type[1:2] == "1" else seg_type
        annotation = body.find(f"{XS}annotation/{XS}documentation")
        segments[seg_type] = SegmentDef(seg_type, definition, parent, level, low, high, tuple(fields),
                                        (annotation.text or "").strip() if annotation is not None else "")
        for child in children:
            add_segment(child, seg_type, level)

    for child in schema.children(idoc_type):
        if (child.get("name") or "").startswith("EDI_DC40"):
            continue
        add_segment(child, None, 0)
    if not segments:
        raise DefinitionError(file, idoc.sourceline, idoc_name, "IDOC element holds no segments")
    return IdocTypeDef(idoc_name.replace("_-", "/"), segments)

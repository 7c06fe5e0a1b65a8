"""Telling the two IDoc layouts apart by a payload's first bytes (flat or IDoc-XML).

Apart from the codecs so that the splitter (``plugins.erp_sap.idoc.split``), which the
codecs register, can tell them apart too.
"""

from __future__ import annotations

from plugins.erp_sap.idoc.xmlhead import read_head

_BOM = b"\xef\xbb\xbf"


def _stripped(head: bytes) -> bytes:
    return head[len(_BOM):].lstrip() if head.startswith(_BOM) else head.lstrip()


def accepts_flat(head: bytes, name: str = "") -> bool:
    """A flat IDoc file starts with a control record."""
    return _stripped(head).startswith(b"EDI_DC40")


def accepts_xml(head: bytes, name: str = "") -> bool:
    """IDoc-XML, in any encoding: XML whose beginning shows an IDOC element or its control
    record, or an XML declaration or comment (the plugin reads no other XML, and a long
    prolog may hide the rest). XML with a DTD is taken too, so that the reader refuses it
    in so many words."""
    xml = read_head(head)
    if "XMLSchema" in xml.text:
        return False
    prolog = xml.text.lstrip().startswith(("<?xml", "<!--"))  # and maybe more prolog than the head shows
    return xml.looks_like("<IDOC", "<EDI_DC40") or prolog or xml.doctype_line() is not None

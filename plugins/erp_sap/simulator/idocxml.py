"""IDoc-XML as an SAP system writes it: control record, segments, streaming files.

The simulator builds its IDocs here with lxml, on purpose without the hub's IDoc
codec, so the codec is tested against an independent writer. Layout: the root element
is the basic type (``DEBMAS07``), each ``<IDOC BEGIN="1">`` starts with an
``<EDI_DC40 SEGMENT="1">`` control record, segments are elements with
``SEGMENT="1"`` and their fields as child elements; empty fields are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO

from lxml import etree

Fields = Iterable[tuple[str, object]]


@dataclass(frozen=True)
class Partners:
    """Sender and receiver of the IDocs: ports and logical systems."""

    sender_port: str = "SAPERP"
    sender_partner: str = "ERPCLNT100"
    receiver_port: str = "CRMHUB"
    receiver_partner: str = "CRMHUB"
    client: str = "100"


DEFAULT_PARTNERS = Partners()


def segment(parent: etree._Element, name: str, fields: Fields) -> etree._Element:
    """Append segment ``name`` with the non-empty ``fields`` to ``parent``."""
    node = etree.SubElement(parent, name, SEGMENT="1")
    for field_name, value in fields:
        if value is None or value == "":
            continue
        etree.SubElement(node, field_name).text = str(value)
    return node


def new_idoc(
    idoc_type: str, message_type: str, docnum: str, created: datetime | None = None,
    partners: Partners = DEFAULT_PARTNERS,
) -> etree._Element:
    """An ``IDOC`` element holding only its control record."""
    created = created or datetime.now(UTC)
    idoc = etree.Element("IDOC", BEGIN="1")
    segment(idoc, "EDI_DC40", [
        ("TABNAM", "EDI_DC40"), ("MANDT", partners.client), ("DOCNUM", docnum),
        ("DOCREL", "740"), ("STATUS", "30"), ("DIRECT", "1"), ("OUTMOD", "2"),
        ("IDOCTYP", idoc_type), ("MESTYP", message_type),
        ("SNDPOR", partners.sender_port), ("SNDPRT", "LS"), ("SNDPRN", partners.sender_partner),
        ("RCVPOR", partners.receiver_port), ("RCVPRT", "LS"), ("RCVPRN", partners.receiver_partner),
        ("CREDAT", created.strftime("%Y%m%d")), ("CRETIM", created.strftime("%H%M%S")),
        ("SERIAL", created.strftime("%Y%m%d%H%M%S")),
    ])
    return idoc


def document(root_name: str, idocs: Iterable[etree._Element]) -> bytes:
    """A complete IDoc-XML document with ``idocs`` under the root ``root_name``."""
    root = etree.Element(root_name)
    for idoc in idocs:
        root.append(idoc)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def write_stream(
    target: IO[bytes], root_name: str, count: int, build: Callable[[int], etree._Element]
) -> int:
    """Write ``count`` IDocs ``build(i)`` under ``root_name`` to ``target``, one at a time.

    Memory stays constant whatever ``count`` is: each IDoc is built, written and dropped.
    """
    with etree.xmlfile(target, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(root_name):
            for i in range(count):
                xf.write(build(i))
                xf.write("\n")
    return count


def write_file(path: str | Path, root_name: str, count: int,
               build: Callable[[int], etree._Element]) -> int:
    """``write_stream`` into the file ``path`` (buffered)."""
    with open(path, "wb", buffering=1 << 20) as fh:
        return write_stream(fh, root_name, count, build)


def iter_chunks(root_name: str, count: int, build: Callable[[int], etree._Element],
                per_chunk: int = 200) -> Iterator[bytes]:
    """The same document as ``write_stream``, as byte chunks for an HTTP streaming response."""
    buffer = BytesIO()

    def drain() -> bytes:
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return data

    with etree.xmlfile(buffer, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(root_name):
            for i in range(count):
                xf.write(build(i))
                xf.write("\n")
                if (i + 1) % per_chunk == 0:
                    xf.flush()
                    yield drain()
    yield drain()


def safe_parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities nor touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           remove_blank_text=True)

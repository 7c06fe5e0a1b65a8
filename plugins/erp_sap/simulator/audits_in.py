"""ALEAUD01 audit IDocs the simulated ERP receives: the hub's word on the ERP's IDocs."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from plugins.erp_sap.simulator.idocxml import safe_parser


@dataclass(frozen=True)
class ReceivedAudit:
    """One E1STATE: which of the ERP's IDocs the hub processed, and how (53 posted, 51 error)."""

    docnum: str
    status: str
    text: str


@dataclass(frozen=True)
class ReceivedSales:
    """A POS IDoc the ERP took: a receipt (WPUBON) or a store's day (WPUUMS), as recorded."""

    docnum: str
    message_type: str
    store: str
    day: str
    articles: tuple[tuple[str, str, str], ...]
    """(article, signed quantity, sales value) per item or article."""


def is_sales(body: bytes) -> bool:
    """True when an IDoc-XML payload is POS sales (WPUBON01 or WPUUMS01)."""
    return b"<WPUBON" in body[:1024] or b"<WPUUMS" in body[:1024]


def parse_sales(body: bytes) -> list[ReceivedSales]:
    """Every receipt or store day of a WPUBON01 or WPUUMS01 IDoc-XML document."""
    root = etree.fromstring(body, safe_parser())
    received = []
    for idoc in root.iter("IDOC"):
        control = idoc.find("EDI_DC40")
        message_type = (control.findtext("MESTYP") if control is not None else None) or ""
        head = idoc.find("E1WPB01") if message_type == "WPUBON" else idoc.find("E1WPU01")
        if head is None:
            raise etree.XMLSyntaxError(f"{message_type} IDoc without its header segment", 0, 0, 0)
        if message_type == "WPUBON":
            day = head.findtext("VORGDATUM", "")
            lines = tuple((i.findtext("ARTNR", ""), i.findtext("VORZEICHEN", "+") + i.findtext("MENGE", ""),
                           i.findtext("E1WPB03/KONDVALUE", "")) for i in head.iter("E1WPB02"))
        else:
            day = head.findtext("BELEGDATUM", "")
            lines = tuple((i.findtext("ARTNR", ""), i.findtext("VORZMENGE", "+") + i.findtext("UMSMENGE", ""),
                           i.findtext("UMSWERT", "")) for i in head.iter("E1WPU02"))
        received.append(ReceivedSales(control.findtext("DOCNUM", "") if control is not None else "", message_type,
                                      control.findtext("SNDPRN", "") if control is not None else "", day, lines))
    return received


def is_audit(body: bytes) -> bool:
    """True when an IDoc-XML payload is an ALEAUD audit IDoc."""
    return b"<ALEAUD" in body[:1024]


def parse_audits(body: bytes) -> list[ReceivedAudit]:
    """Every E1STATE of an ALEAUD01 IDoc-XML document."""
    root = etree.fromstring(body, safe_parser())
    return [
        ReceivedAudit(state.findtext("DOCNUM", "").strip(), state.findtext("STATUS", "").strip(),
                      state.findtext("STATXT", "").strip())
        for state in root.iter("E1STATE")
    ]

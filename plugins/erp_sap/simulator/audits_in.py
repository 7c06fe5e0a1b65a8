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

"""DEBMAS IDoc-XML the simulated ERP receives: customers created or changed elsewhere (the hub)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from plugins.erp_sap.simulator.idocxml import safe_parser


@dataclass(frozen=True)
class InboundCustomer:
    """One customer of a DEBMAS IDoc: the IDoc number, the customer number if the sender
    knows it (a new customer has none yet), its name and currency."""

    docnum: str
    number: str | None
    name: str
    currency: str


def is_debmas(body: bytes) -> bool:
    """True when an IDoc-XML payload carries customer master data."""
    return b"<DEBMAS" in body[:1024]


def parse_customers(body: bytes) -> list[InboundCustomer]:
    """Every customer of a DEBMAS IDoc-XML document (raises lxml's XMLSyntaxError)."""
    root = etree.fromstring(body, safe_parser())
    customers = []
    for idoc in root.iter("IDOC"):
        kna1 = idoc.find("E1KNA1M")
        if kna1 is None:
            continue
        number = (kna1.findtext("KUNNR") or "").strip() or None
        customers.append(InboundCustomer(
            (idoc.findtext("EDI_DC40/DOCNUM") or "").strip(), number,
            " ".join(filter(None, ((kna1.findtext("NAME1") or "").strip(), (kna1.findtext("NAME2") or "").strip()))),
            (kna1.findtext("E1KNVVM/WAERS") or "EUR").strip() or "EUR",
        ))
    return customers

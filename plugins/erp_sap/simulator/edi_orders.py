"""Customer orders as an EDI converter posts them: ORDERS05 IDoc-XML from an EDI partner.

A converter (Seeburger, Lobster...) turns a customer's EDIFACT ORDERS into ORDERS05 and
posts it to the hub's IDoc port with its own sending partner (SNDPRN), the ERP's
customer and material numbers already filled in; the hub records the order as the EDI
partner's and creates it in the ERP (``plugins.erp_sap.edi``). Used by the tests and by
``bench/e2e.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from lxml import etree

from plugins.erp_sap.simulator.idocxml import Partners, new_idoc, segment

EDI_PARTNER = Partners(sender_port="EDIPORT", sender_partner="EDI_ACME", client="800")
"""The sender of the converter's IDocs: its port and partner (SNDPRN ``EDI_ACME``)."""


def edi_order_idoc(docnum: str, order_number: str, customer: str, materials: Sequence[str],
                   created: datetime | None = None, partners: Partners = EDI_PARTNER) -> etree._Element:
    """One ORDERS05: the customer's order ``order_number`` (its PO, E1EDK01.BELNR) for
    customer number ``customer``, one item per material, quantity 1, 2, 3..."""
    idoc = new_idoc("ORDERS05", "ORDERS", docnum, created, partners)
    segment(idoc, "E1EDK01", [("CURCY", "EUR"), ("BSART", "TA"), ("BELNR", order_number)])
    for qualifier, value in (("008", "1000"), ("007", "10"), ("006", "00")):
        segment(idoc, "E1EDK14", [("QUALF", qualifier), ("ORGID", value)])
    segment(idoc, "E1EDK03", [("IDDAT", "012"), ("DATUM", "20261207")])
    for function in ("AG", "WE"):
        segment(idoc, "E1EDKA1", [("PARVW", function), ("PARTN", customer)])
    segment(idoc, "E1EDK02", [("QUALF", "001"), ("BELNR", order_number), ("DATUM", "20261207")])
    for number, material in enumerate(materials, start=1):
        item = segment(idoc, "E1EDP01", [("POSEX", f"{number * 10:06d}"), ("MENGE", f"{number}.000"),
                                         ("MENEE", "ST"), ("VPREI", "12.50"), ("WERKS", "1000")])
        segment(item, "E1EDP19", [("QUALF", "002"), ("IDTNR", material)])
    return idoc

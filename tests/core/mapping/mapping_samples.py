"""IDoc trees for the mapping tests: a realistic ORDERS05 order, built in code."""

from __future__ import annotations

from hub.core.raw import RawDocument, Segment


def seg(name: str, children: list[Segment] | None = None, **fields: str) -> Segment:
    """A segment with ``fields`` (keyword arguments) and ``children``."""
    return Segment(name, dict(fields), children or [])


def order_segments(items: int = 3, currency: str = "EUR") -> list[Segment]:
    """An ORDERS05 body with header, qualifiers, partners, ``items`` items and totals."""
    body = [
        seg("E1EDK01", CURCY=currency, BELNR="0000004711", ZTERM="ZB14"),
        seg("E1EDK14", QUALF="008", ORGID="1000"),
        seg("E1EDK14", QUALF="007", ORGID="10"),
        seg("E1EDK14", QUALF="006", ORGID="00"),
        seg("E1EDK14", QUALF="012", ORGID="TA"),
        seg("E1EDK03", IDDAT="012", DATUM="20240315"),
        seg("E1EDK03", IDDAT="002", DATUM="00000000"),
        seg("E1EDKA1", PARVW="AG", PARTN="0000012345"),
        seg("E1EDKA1", PARVW="WE", PARTN="0000012399"),
        seg("E1EDK02", QUALF="001", BELNR="PO-77"),
        seg("E1EDK17", QUALF="001", LKOND="FCA", LKTEXT="Hamburg"),
    ]
    for n in range(1, items + 1):
        body.append(seg(
            "E1EDP01",
            [seg("E1EDP19", QUALF="002", IDTNR=f"{n:018d}", KTEXT=f"Widget {n}"),
             seg("E1EDP20", EDATU="20240320", WMENG=f"{n}.000", BMENG=f"{n}.000")],
            POSEX=f"{n * 10:06d}", MENGE=f"{n}.000", MENEE="ST", VPREI="12.5000", NETWR=f"{12.5 * n:.2f}",
        ))
    total = sum(12.5 * n for n in range(1, items + 1))
    body += [
        seg("E1EDS01", SUMID="002", SUMME=f"{total:.2f}", WAERQ=currency),
        seg("E1EDS01", SUMID="005", SUMME=f"{total * 0.19:.2f}", WAERQ=currency),
        seg("E1EDS01", SUMID="003", SUMME=f"{total * 1.19:.2f}", WAERQ=currency),
    ]
    return body


def order_raw(items: int = 3, document_id: str = "0000000000123456", message_type: str = "ORDERS") -> RawDocument:
    """The order as a RawDocument from erp_sap."""
    return RawDocument("erp_sap", message_type, document_id, "idoc", order_segments(items),
                       {"MESTYP": message_type, "IDOCTYP": "ORDERS05"})


PARTNERS = {"12345": "bp_SOLDTO", "12399": "bp_SHIPTO"}


def lookup(system: str, object_type: str, external_id: str) -> str | None:
    """A key map of two partners."""
    return PARTNERS.get(external_id) if (system, object_type) == ("erp_sap", "partner") else None


def reverse_lookup(system: str, object_type: str, hub_id: str) -> str | None:
    """The reverse of ``lookup``."""
    found = [ext for ext, hub in PARTNERS.items() if hub == hub_id]
    return found[0] if found and (system, object_type) == ("erp_sap", "partner") else None

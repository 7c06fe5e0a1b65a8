"""Reading inbound ORDERS05 IDoc-XML, as SAP's XML-HTTP inbound port takes it.

Fields read: control record DOCNUM and MESTYP; E1EDK01 CURCY/BSART; E1EDK14 QUALF
008/007/006/012 (sales organisation, distribution channel, division, order type);
E1EDK03 IDDAT 002 (requested delivery date); E1EDKA1 PARVW AG/WE (sold-to, ship-to);
E1EDK02 QUALF 001 (customer order number = buyer document id, with DATUM) and 002 (the
order a return refers to); ORDCHG (the same layout) rejects the order's items; items
E1EDP01 POSEX/MENGE/MENEE/VPREI with E1EDP19 QUALF 002 (material; 001 as fallback) and
E1EDP02 QUALF 006 BELNR/ZEILE (the contract a release order calls off, and its item).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from plugins.erp_sap.simulator.idocxml import safe_parser
from plugins.erp_sap.simulator.state import OrderItem, OrderRequest


class IdocReadError(Exception):
    """The inbound IDoc-XML cannot be read; the text names IDoc, segment and field."""


@dataclass(frozen=True)
class InboundOrder:
    """One received ORDERS IDoc: its number, message type and the order it carries."""

    docnum: str
    message_type: str
    order: OrderRequest


def _field(segment: etree._Element, name: str) -> str | None:
    value = segment.findtext(name)
    return value.strip() if value and value.strip() else None


def _sap_date(raw: str | None, where: str) -> date | None:
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y%m%d").date()
    except ValueError:
        raise IdocReadError(f"{where}: {raw!r} is not a date YYYYMMDD") from None


def _decimal(raw: str | None, where: str) -> Decimal:
    # SAP writes negative numbers with a trailing minus ("12.50-").
    text = (raw or "").strip()
    if text.endswith("-"):
        text = "-" + text[:-1]
    try:
        return Decimal(text)
    except InvalidOperation:
        raise IdocReadError(f"{where}: {raw!r} is not a number") from None


def _read_idoc(idoc: etree._Element) -> InboundOrder:
    control = idoc.find("EDI_DC40")
    docnum = _field(control, "DOCNUM") if control is not None else None
    if control is None or not docnum:
        raise IdocReadError("IDOC without EDI_DC40/DOCNUM")
    where = f"IDoc {docnum}"
    k01 = idoc.find("E1EDK01")
    org = {_field(s, "QUALF"): _field(s, "ORGID") for s in idoc.findall("E1EDK14")}
    dates = {_field(s, "IDDAT"): _field(s, "DATUM") for s in idoc.findall("E1EDK03")}
    parties = {_field(s, "PARVW"): _field(s, "PARTN") for s in idoc.findall("E1EDKA1")}
    refs = {_field(s, "QUALF"): s for s in idoc.findall("E1EDK02")}
    customer_ref = refs.get("001")
    buyer_id = _field(customer_ref, "BELNR") if customer_ref is not None else None
    missing = [name for name, value in (
        ("E1EDK02 QUALF 001 BELNR", buyer_id), ("E1EDKA1 PARVW AG PARTN", parties.get("AG")),
        ("E1EDK14 QUALF 008 ORGID", org.get("008")), ("E1EDK14 QUALF 007 ORGID", org.get("007")),
        ("E1EDK14 QUALF 006 ORGID", org.get("006")),
    ) if not value]
    if missing:
        raise IdocReadError(f"{where}: missing {', '.join(missing)}")
    assert customer_ref is not None, "its BELNR would be missing"
    items = []
    for n, pos in enumerate(idoc.findall("E1EDP01"), start=1):
        ids = {_field(s, "QUALF"): _field(s, "IDTNR") for s in pos.findall("E1EDP19")}
        material = ids.get("002") or ids.get("001")
        item_where = f"{where} E1EDP01 #{n}"
        unit = _field(pos, "MENEE")
        if not material or not unit:
            raise IdocReadError(f"{item_where}: missing {'E1EDP19 IDTNR' if not material else 'MENEE'}")
        price = _field(pos, "VPREI")
        contract = next((s for s in pos.findall("E1EDP02") if _field(s, "QUALF") == "006"), None)
        if contract is not None and not _field(contract, "BELNR"):
            raise IdocReadError(f"{item_where}: missing E1EDP02 QUALF 006 BELNR (the contract's number)")
        items.append(OrderItem(
            item_id=_field(pos, "POSEX") or f"{n * 10:06d}", material=material,
            quantity=_decimal(_field(pos, "MENGE"), f"{item_where} MENGE"), unit=unit,
            price=_decimal(price, f"{item_where} VPREI") if price else None,
            currency=_field(k01, "CURCY") if k01 is not None and price else None,
            contract=_field(contract, "BELNR") if contract is not None else None,
            contract_item=_field(contract, "ZEILE") if contract is not None else None,
        ))
    if not items:
        raise IdocReadError(f"{where}: no E1EDP01 item")
    order = OrderRequest(
        buyer_id=buyer_id or "", sold_to=parties["AG"] or "", ship_to=parties.get("WE"),
        sales_org=org["008"] or "", distribution_channel=org["007"] or "", division=org["006"] or "",
        buyer_date=_sap_date(_field(customer_ref, "DATUM"), f"{where} E1EDK02 DATUM"),
        requested_date=_sap_date(dates.get("002"), f"{where} E1EDK03 DATUM"),
        currency=_field(k01, "CURCY") if k01 is not None else None,
        order_type=org.get("012") or (_field(k01, "BSART") if k01 is not None else None) or "TA",
        reference=_field(refs["002"], "BELNR") if "002" in refs else None,
        items=tuple(items),
    )
    return InboundOrder(docnum=docnum, message_type=_field(control, "MESTYP") or "ORDERS", order=order)


def parse_orders(body: bytes) -> list[InboundOrder]:
    """Every ORDERS IDoc in an IDoc-XML document (root ``ORDERS05`` or an extension type)."""
    try:
        root = etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise IdocReadError(f"IDoc-XML is not well-formed: {exc}") from None
    idocs = root.findall("IDOC")
    if not idocs:
        raise IdocReadError(f"root element {root.tag!r} holds no IDOC element")
    return [_read_idoc(idoc) for idoc in idocs]

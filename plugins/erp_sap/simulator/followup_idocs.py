"""The IDocs an ERP sends back after taking an order: ORDRSP, INVOIC02, ALEAUD01.

- ORDRSP (basic type ORDERS05): E1EDK01 BELNR = ERP order number, E1EDK02 QUALF 001 =
  the customer's (hub's) BuyerDocument id and QUALF 002 = ERP order number, items with
  E1EDP20 schedule lines confirming the full quantity.
- INVOIC02: billing document of type F2 (E1EDK14 qualifier 015; G2 credit memo, L2
  debit memo, S1 cancellation) dated by E1EDK03 012 and due by 028,
  with partners RE/RG/AG (E1EDKA1), references (E1EDK02
  QUALF 009 invoice, 002 order, 001 customer order, 011 the document a cancellation
  cancels), items (E1EDP01 with E1EDP02
  order reference, E1EDP19 material, E1EDP26 QUALF 003 net value, E1EDP05 price
  condition, E1EDP04 tax) and totals E1EDS01 (SUMID 001 items, 010 net, 005 tax,
  011 billed value). German customers pay 19 % VAT (tax code A1); customers in other
  EU countries get an intra-community supply at 0 % (A0).
- ALEAUD01: audit IDoc acknowledging a received IDoc: E1ADHDR + E1STATE with the
  received DOCNUM and STATUS 53 (posted) or 51 (application error), plus E1PRTOB with
  the created sales order on success.
Quantities and units on these interfaces are ISO codes, as SAP's EDI output writes them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from plugins.erp_sap.simulator.idocxml import DEFAULT_PARTNERS, Partners, new_idoc, segment
from plugins.erp_sap.simulator.masterdata import customer, customer_index, product, product_index
from plugins.erp_sap.simulator.state import OrderItem, StoredOrder

_CENT = Decimal("0.01")


def _sap_date(value: date | datetime) -> str:
    return value.strftime("%Y%m%d")


def _amount(value: Decimal) -> str:
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def item_price(item: OrderItem, seed: int) -> Decimal:
    """The item's net price: the one ordered, else the material's list price."""
    if item.price is not None:
        return item.price
    index = product_index(item.material)
    return product(index, seed).list_price if index is not None else Decimal("0")


def item_net(item: OrderItem, seed: int) -> Decimal:
    """Quantity times net price, rounded to cents."""
    return (item.quantity * item_price(item, seed)).quantize(_CENT, rounding=ROUND_HALF_UP)


def _description(material: str, seed: int) -> str | None:
    index = product_index(material)
    return product(index, seed).description_en if index is not None else None


def delivery_date(order: StoredOrder) -> date:
    """The confirmed delivery date: the requested one, else five days after entry."""
    return order.request.requested_date or (order.created_at + timedelta(days=5)).date()


def ordrsp_idoc(order: StoredOrder, docnum: str, seed: int = 1, created: datetime | None = None,
                partners: Partners = DEFAULT_PARTNERS) -> etree._Element:
    """The order confirmation (ORDRSP / ORDERS05) for ``order``."""
    req = order.request
    idoc = new_idoc("ORDERS05", "ORDRSP", docnum, created, partners)
    segment(idoc, "E1EDK01", [("CURCY", order.currency), ("BSART", req.order_type),
                              ("BELNR", order.erp_id), ("RECIPNT_NO", req.sold_to)])
    for qualf, value in (("008", req.sales_org), ("007", req.distribution_channel),
                         ("006", req.division), ("012", req.order_type)):
        segment(idoc, "E1EDK14", [("QUALF", qualf), ("ORGID", value)])
    segment(idoc, "E1EDK03", [("IDDAT", "012"), ("DATUM", _sap_date(order.created_at))])
    segment(idoc, "E1EDK03", [("IDDAT", "002"), ("DATUM", _sap_date(delivery_date(order)))])
    segment(idoc, "E1EDKA1", [("PARVW", "AG"), ("PARTN", req.sold_to)])
    segment(idoc, "E1EDKA1", [("PARVW", "WE"), ("PARTN", req.ship_to or req.sold_to)])
    segment(idoc, "E1EDK02", [("QUALF", "001"), ("BELNR", req.buyer_id),
                              ("DATUM", _sap_date(req.buyer_date) if req.buyer_date else None)])
    segment(idoc, "E1EDK02", [("QUALF", "002"), ("BELNR", order.erp_id),
                              ("DATUM", _sap_date(order.created_at))])
    total = Decimal("0")
    for item in req.items:
        net = item_net(item, seed)
        total += net
        pos = segment(idoc, "E1EDP01", [
            ("POSEX", item.item_id), ("MENGE", item.quantity), ("MENEE", item.unit),
            ("VPREI", _amount(item_price(item, seed))), ("PEINH", "1"), ("NETWR", _amount(net)),
        ])
        segment(pos, "E1EDP20", [("WMENG", item.quantity), ("BMENG", item.quantity),
                                 ("EDATU", _sap_date(delivery_date(order)))])
        segment(pos, "E1EDP19", [("QUALF", "002"), ("IDTNR", item.material),
                                 ("KTEXT", _description(item.material, seed))])
    segment(idoc, "E1EDS01", [("SUMID", "002"), ("SUMME", _amount(total)), ("WAERQ", order.currency)])
    return idoc


def billed_items(order: StoredOrder, quantities: dict[str, Decimal] | None = None) -> list[OrderItem]:
    """The order's items as billed: all of them in full, or those ``quantities`` names
    (item id -> quantity), in those quantities."""
    if quantities is None:
        return list(order.request.items)
    unknown = set(quantities) - {item.item_id for item in order.request.items}
    if unknown:
        raise KeyError(f"order {order.erp_id} has no item {', '.join(sorted(unknown))}")
    return [replace(item, quantity=quantities[item.item_id]) for item in order.request.items
            if item.item_id in quantities]


def billed_gross(order: StoredOrder, seed: int = 1, quantities: dict[str, Decimal] | None = None) -> Decimal:
    """What the billing document of those items comes to, tax included (as ``invoic_idoc`` bills it)."""
    _code, rate = _tax(order.request.sold_to, seed)
    total = Decimal("0")
    for item in billed_items(order, quantities):
        net = item_net(item, seed)
        total += net + (net * rate / 100).quantize(_CENT, rounding=ROUND_HALF_UP)
    return total


def _tax(sold_to: str, seed: int) -> tuple[str, Decimal]:
    index = customer_index(sold_to)
    country = customer(index, seed).country if index is not None else "DE"
    return ("A1", Decimal("19")) if country == "DE" else ("A0", Decimal("0"))


def _party(function: str, number: str, seed: int) -> list[tuple[str, object]]:
    fields: list[tuple[str, object]] = [("PARVW", function), ("PARTN", number)]
    index = customer_index(number)
    if index is not None:
        cust = customer(index, seed)
        fields += [("NAME1", cust.name), ("STRAS", cust.street), ("ORT01", cust.city),
                   ("PSTLZ", cust.postal_code), ("LAND1", cust.country), ("SPRAS_ISO", cust.language_iso)]
    return fields


PAYMENT_DAYS = 30
"""Net payment term of the simulated invoices: due this many days after billing."""
_KIND_OF_TYPE = {"F2": "INVO", "G2": "CRME", "L2": "DEBI", "S1": "CRME", "S2": "INVO"}


def invoic_idoc(order: StoredOrder, invoice_number: str, docnum: str, seed: int = 1,
                created: datetime | None = None, partners: Partners = DEFAULT_PARTNERS, *,
                billing_type: str | None = None, quantities: dict[str, Decimal] | None = None,
                cancels: str | None = None) -> etree._Element:
    """The billing document (INVOIC02) of ``order``: by default the invoice (F2) billing it
    in full, a credit memo (G2) for a return. ``billing_type`` chooses another SAP billing
    type (L2 debit memo, S1 cancellation of ``cancels``...), ``quantities`` (item id ->
    quantity) bills only those items, in those quantities."""
    req = order.request
    billed = created or datetime.now(UTC)
    tax_code, rate = _tax(req.sold_to, seed)
    index = customer_index(req.sold_to)
    vat_id = customer(index, seed).vat_id if index is not None else None
    idoc = new_idoc("INVOIC02", "INVOIC", docnum, created, partners)
    # A debit memo request (L2, e.g. a contract's billing request) is billed as a debit memo.
    fkart = billing_type or ("G2" if req.order_type == "RE" else "L2" if req.order_type == "L2" else "F2")
    segment(idoc, "E1EDK01", [("CURCY", order.currency), ("HWAER", "EUR"), ("KUNDEUINR", vat_id),
                              ("BSART", _KIND_OF_TYPE.get(fkart, "INVO")), ("BELNR", invoice_number),
                              ("RECIPNT_NO", req.sold_to)])
    segment(idoc, "E1EDK14", [("QUALF", "015"), ("ORGID", fkart)])
    segment(idoc, "E1EDK03", [("IDDAT", "012"), ("DATUM", _sap_date(billed))])
    segment(idoc, "E1EDK03", [("IDDAT", "028"), ("DATUM", _sap_date(billed + timedelta(days=PAYMENT_DAYS)))])
    for function in ("RE", "RG", "AG"):
        segment(idoc, "E1EDKA1", _party(function, req.sold_to, seed))
    segment(idoc, "E1EDKA1", _party("WE", req.ship_to or req.sold_to, seed))
    segment(idoc, "E1EDK02", [("QUALF", "009"), ("BELNR", invoice_number), ("DATUM", _sap_date(billed))])
    segment(idoc, "E1EDK02", [("QUALF", "002"), ("BELNR", order.erp_id),
                              ("DATUM", _sap_date(order.created_at))])
    segment(idoc, "E1EDK02", [("QUALF", "001"), ("BELNR", req.buyer_id)])
    if cancels is not None:
        segment(idoc, "E1EDK02", [("QUALF", "011"), ("BELNR", cancels)])
    net_total = tax_total = Decimal("0")
    for item in billed_items(order, quantities):
        net = item_net(item, seed)
        tax = (net * rate / 100).quantize(_CENT, rounding=ROUND_HALF_UP)
        net_total += net
        tax_total += tax
        pos = segment(idoc, "E1EDP01", [("POSEX", item.item_id), ("MENGE", item.quantity),
                                        ("MENEE", item.unit), ("NETWR", _amount(net))])
        segment(pos, "E1EDP02", [("QUALF", "002"), ("BELNR", order.erp_id), ("ZEILE", item.item_id)])
        segment(pos, "E1EDP19", [("QUALF", "002"), ("IDTNR", item.material),
                                 ("KTEXT", _description(item.material, seed))])
        segment(pos, "E1EDP26", [("QUALF", "003"), ("BETRG", _amount(net))])
        segment(pos, "E1EDP05", [("KSCHL", "PR00"), ("BETRG", _amount(net)),
                                 ("KRATE", _amount(item_price(item, seed))), ("UPRBS", "1"),
                                 ("MEAUN", item.unit)])
        segment(pos, "E1EDP04", [("MWSKZ", tax_code), ("MSATZ", rate), ("MWSBT", _amount(tax))])
    for sumid, value in (("001", str(len(idoc.findall("E1EDP01")))), ("010", _amount(net_total)),
                         ("005", _amount(tax_total)), ("011", _amount(net_total + tax_total))):
        segment(idoc, "E1EDS01", [("SUMID", sumid), ("SUMME", value),
                                  ("WAERQ", None if sumid == "001" else order.currency)])
    return idoc


def aleaud_idoc(received_docnum: str, message_type: str, docnum: str, *, ok: bool, text: str,
                erp_order_id: str | None = None, created: datetime | None = None,
                partners: Partners = DEFAULT_PARTNERS, object_type: str = "BUS2032") -> etree._Element:
    """ALEAUD01 acknowledging IDoc ``received_docnum``: status 53 if ``ok``, else 51."""
    now = created or datetime.now(UTC)
    idoc = new_idoc("ALEAUD01", "ALEAUD", docnum, created, partners)
    header = segment(idoc, "E1ADHDR", [("MESTYP", message_type), ("MESTYP_LNG", message_type)])
    state = segment(header, "E1STATE", [
        ("DOCNUM", received_docnum), ("LOGDAT", _sap_date(now)), ("LOGTIM", now.strftime("%H%M%S")),
        ("STATUS", "53" if ok else "51"), ("STATXT", text[:70]),
        ("STAPA1", erp_order_id), ("STATYP", "S" if ok else "E"), ("STAMQU", "SAP"),
        ("STAMID", "V1" if ok else "ZERPSIM"), ("STAMNO", "311" if ok else "001"),
    ])
    if ok and erp_order_id:
        segment(state, "E1PRTOB", [("DOCNUM", received_docnum), ("OBJTYPE", object_type),
                                   ("OBJKEY", erp_order_id)])
    return idoc

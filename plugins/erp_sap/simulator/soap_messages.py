"""Server side of the SOAP service: read the create request, write confirmation and faults.

The request is parsed with a safe lxml parser (no entities, no network) and checked
for the fields the ERP needs; a request that lacks them is answered with a
``soap-env:Client`` fault naming the missing element. Business refusals are
``StandardMessageFault``s, as SAP's enterprise services send them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from plugins.erp_sap.simulator.idocxml import safe_parser
from plugins.erp_sap.simulator.state import OrderItem, OrderRequest

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SAP_NS = "http://sap.com/xi/SAPGlobal20/Global"
REQUEST_TAG = f"{{{SAP_NS}}}SalesOrderERPCreateRequestConfirmation_sync"


class RequestError(Exception):
    """The SOAP request is not a usable create request; the text says why."""


def _text(node: etree._Element, path: str, required: bool = True) -> str | None:
    found = node.find(path)
    value = found.text.strip() if found is not None and found.text else None
    if required and not value:
        raise RequestError(f"element {path} is missing or empty")
    return value


def _decimal(node: etree._Element, path: str) -> Decimal:
    raw = _text(node, path)
    try:
        return Decimal(raw or "")
    except InvalidOperation:
        raise RequestError(f"element {path}: {raw!r} is not a decimal number") from None


def _date(node: etree._Element, path: str) -> date | None:
    raw = _text(node, path, required=False)
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise RequestError(f"element {path}: {raw!r} is not a date (YYYY-MM-DD)") from None


def parse_create_request(body: bytes) -> tuple[str | None, OrderRequest]:
    """The request's MessageHeader ID and the order it asks for."""
    try:
        envelope = etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise RequestError(f"request is not well-formed XML: {exc}") from None
    request = envelope.find(f"{{{SOAP_ENV}}}Body/{REQUEST_TAG}")
    if request is None:
        raise RequestError("SOAP body holds no SalesOrderERPCreateRequestConfirmation_sync")
    header_id = _text(request, "MessageHeader/ID", required=False)
    so = request.find("SalesOrder")
    if so is None:
        raise RequestError("element SalesOrder is missing")
    items = []
    for n, node in enumerate(so.findall("Item")):
        quantity = node.find("RequestedQuantity")
        amount = node.find("NetPrice/Amount")
        unit = quantity.get("unitCode") if quantity is not None else None
        if not unit:
            raise RequestError(f"Item[{n}]/RequestedQuantity: attribute unitCode is missing")
        if amount is not None and not amount.get("currencyCode"):
            raise RequestError(f"Item[{n}]/NetPrice/Amount: attribute currencyCode is missing")
        items.append(OrderItem(
            item_id=_text(node, "ID") or "", material=_text(node, "Product/InternalID") or "",
            quantity=_decimal(node, "RequestedQuantity"), unit=unit,
            price=_decimal(node, "NetPrice/Amount") if amount is not None else None,
            currency=amount.get("currencyCode") if amount is not None else None,
        ))
    if not items:
        raise RequestError("SalesOrder has no Item")
    order = OrderRequest(
        buyer_id=_text(so, "BuyerDocument/ID") or "",
        buyer_note=_text(so, "BuyerDocument/Note", required=False),
        buyer_date=_date(so, "BuyerDocument/Date"),
        sold_to=_text(so, "AccountParty/InternalID") or "",
        ship_to=_text(so, "ProductRecipientParty/InternalID", required=False),
        sales_org=_text(so, "SalesAndServiceBusinessArea/SalesOrganisationID") or "",
        distribution_channel=_text(so, "SalesAndServiceBusinessArea/DistributionChannelCode") or "",
        division=_text(so, "SalesAndServiceBusinessArea/DivisionCode") or "",
        requested_date=_date(so, "RequestedDate"),
        currency=_text(so, "PricingTerms/CurrencyCode", required=False),
        order_type=_text(so, "ProcessingTypeCode", required=False) or "TA",
        items=tuple(items),
    )
    return header_id, order


def _envelope() -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap-env": SOAP_ENV})
    etree.SubElement(envelope, f"{{{SOAP_ENV}}}Header")
    return envelope, etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, name)
    if text is not None:
        node.text = text
    return node


def confirmation(erp_id: str, notes: list[tuple[str, str, str]], reference_id: str | None) -> bytes:
    """The confirmation for order ``erp_id``; ``notes`` are (type id, severity, text)."""
    envelope, body = _envelope()
    conf = etree.SubElement(body, f"{{{SAP_NS}}}SalesOrderERPConfirmation_sync", nsmap={"n0": SAP_NS})
    header = _add(conf, "MessageHeader")
    _add(header, "UUID", str(uuid.uuid4()))
    if reference_id:
        _add(header, "ReferenceID", reference_id)
    _add(header, "CreationDateTime", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    _add(_add(conf, "SalesOrder"), "ID", erp_id)
    log = _add(conf, "Log")
    _add(log, "BusinessDocumentProcessingResultCode", "3")
    _add(log, "MaximumLogItemSeverityCode", max((n[1] for n in notes), default="1"))
    for type_id, severity, text in notes:
        item = _add(log, "Item")
        _add(item, "TypeID", type_id)
        _add(item, "SeverityCode", severity)
        _add(item, "Note", text)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def standard_fault(text: str, details: list[tuple[str, str, str]], code: str = "Server") -> bytes:
    """A SOAP fault carrying a StandardMessageFault; ``details`` are (severity, text, id)."""
    envelope, body = _envelope()
    fault = _add(body, f"{{{SOAP_ENV}}}Fault")
    _add(fault, "faultcode", f"soap-env:{code}")
    _add(fault, "faultstring", text)
    detail = _add(fault, "detail")
    smf = etree.SubElement(detail, f"{{{SAP_NS}}}StandardMessageFault", nsmap={"n0": SAP_NS})
    standard = _add(smf, "standard")
    _add(standard, "faultText", text)
    for severity, detail_text, message_id in details:
        entry = _add(standard, "faultDetail")
        _add(entry, "severity", severity)
        _add(entry, "text", detail_text)
        _add(entry, "id", message_id)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def plain_fault(text: str, code: str) -> bytes:
    """A SOAP fault without detail, as the SOAP runtime sends for requests it cannot read."""
    envelope, body = _envelope()
    fault = _add(body, f"{{{SOAP_ENV}}}Fault")
    _add(fault, "faultcode", f"soap-env:{code}")
    _add(fault, "faultstring", text)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def malformed(erp_hint: str) -> bytes:
    """A confirmation cut off in the middle: not well-formed XML."""
    whole = confirmation(erp_hint, [], None)
    return whole[: len(whole) // 2]


def wrong_structure() -> bytes:
    """A well-formed envelope whose body is not the expected confirmation."""
    envelope, body = _envelope()
    other = etree.SubElement(body, f"{{{SAP_NS}}}SalesOrderERPChangeConfirmation_sync", nsmap={"n0": SAP_NS})
    _add(_add(other, "SalesOrder"), "UnexpectedElement", "x")
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")

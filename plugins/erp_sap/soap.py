"""SOAP client for SAP's sales-order create service (SalesOrderERPCreateRequestConfirmation_In).

``SalesOrderSoapClient(...).create_order(order)`` sends one canonical sales order and
returns the ERP order number with the ERP's log. Foreign errors are translated here,
at the plugin boundary, into what the replication queue should do:

- ``StandardMessageFault`` (a business refusal, e.g. unknown customer) -> ``PermanentError``;
  unless a faultDetail ``severity`` is ``temporary``/``transient`` or its ``id`` is in
  ``transient_fault_ids`` (e.g. SAP lock messages) -> ``TransientError``.
- SOAP faults without StandardMessageFault: ``Client`` -> ``PermanentError`` (the ERP
  cannot read what we send), ``Server`` and others -> ``TransientError``.
- HTTP 401/403 -> ``PermanentError``; 404 and other 4xx -> ``PermanentError``;
  408, 429 and 5xx -> ``TransientError``, whatever the body: an error page of a proxy
  or of the ICM is no SOAP fault, even when it is well-formed XML (zeep reads such a
  page as an "unknown fault"; the client goes by the HTTP status then).
- The answer's ``Retry-After`` (seconds or an HTTP date) reaches
  ``TransientError.retry_after``, so the queue waits at least as long as the ERP asked.
- Timeouts, refused connections, malformed answers (not XML, unexpected structure)
  -> ``TransientError`` with a clear message; the caller's retry policy decides.
- An input dict that lacks what the ERP needs -> ``OrderPayloadError`` (permanent),
  naming the document, the field and the reason.
The password never appears in a message. The WSDL (and its XSD) is loaded once per
client, on first use, and cached in memory for the process.

Input: the canonical sales order's JSON data (``SalesOrder.model_dump(mode="json")``)
with external ids already resolved::

    {"hub_id": "so_...",                               # required -> BuyerDocument/ID
     "customer_reference": "PO-4711",                  # optional -> BuyerDocument/Note (<= 40)
     "order_date": "2025-03-01",                       # optional -> BuyerDocument/Date
     "requested_delivery_date": "2025-03-10",          # optional -> RequestedDate
     "currency": "EUR",                                # optional -> PricingTerms/CurrencyCode
     "order_type": "return",                           # optional -> ProcessingTypeCode (RE)
     "partners": [{"function": "sold_to", "external_id": "0000100001"},   # sold_to required
                  {"function": "ship_to", "external_id": "0000100002"}],  # optional
     "items": [{"item_number": 10, "product_external_id": "400001",       # >= 1 item
                "quantity": {"value": "2", "unit": "PCE"},                # ISO unit
                "net_price": {"amount": "12.50", "currency": "EUR"}}],    # optional
     "sales_area": {"sales_org": "1000", "distribution_channel": "10",   # optional; else
                    "division": "00"}}                                    # the client default
Other keys of the canonical order are ignored. Numbers are strings (exact decimals).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
import zeep
import zeep.exceptions as zx
from lxml import etree
from pydantic import SecretStr
from zeep.cache import InMemoryCache
from zeep.transports import Transport

from hub.api import DeliveryError, PermanentError, TransientError, retry_after_seconds

OPERATION = "SalesOrderERPCreateRequestConfirmation_In"
BINDING = "{http://sap.com/xi/APPL/SE/Global}binding_SOAP11"
TRANSIENT_SEVERITIES = frozenset({"temporary", "transient"})
ORDER_TYPES = {"standard": "TA", "return": "RE", "rush": "SO", "free_of_charge": "FD", "consignment": "KB",
               "debit_memo_request": "L2"}
"""SAP sales document types (ProcessingTypeCode) of the canonical order types; the same
pairs as the IDoc channel's value list ``order_types.csv``."""


@dataclass(frozen=True)
class SalesArea:
    """SAP sales area: sales organisation, distribution channel, division."""

    sales_org: str
    distribution_channel: str
    division: str


@dataclass(frozen=True)
class SoapLogMessage:
    """One ERP log item: SAP message id such as ``311(V1)``, severity 1-4, text."""

    type_id: str | None
    severity: str | None
    note: str


@dataclass(frozen=True)
class HttpAnswer:
    """What the ERP's last HTTP answer said besides its body: status and Retry-After."""

    status: int
    retry_after: float | None


class AnswerKeepingTransport(Transport):
    """zeep's HTTP transport, keeping each thread's last answer (``HttpAnswer``).

    zeep's errors keep neither the status of an answer it read as a fault nor any
    header; the client needs both to tell a proxy's 404 page from a real SOAP fault and
    to hand a 503's Retry-After to the queue.
    """

    def __init__(self, session: requests.Session, timeout: float) -> None:
        super().__init__(session=session, timeout=timeout, operation_timeout=timeout, cache=InMemoryCache())
        self._answers = threading.local()

    def post(self, address: str, message: str, headers: dict[str, str]) -> requests.Response:
        """Post as zeep does, and keep the answer's status and Retry-After."""
        response: requests.Response = super().post(address, message, headers)
        self._answers.last = _answer(response)
        return response

    def forget(self) -> None:
        """Forget this thread's last answer (before a new call)."""
        self._answers.last = None

    def last_answer(self) -> HttpAnswer | None:
        """This thread's last answer since ``forget``, or None when none came."""
        answer: HttpAnswer | None = getattr(self._answers, "last", None)
        return answer


def _answer(response: requests.Response) -> HttpAnswer:
    return HttpAnswer(response.status_code, retry_after_seconds(response.headers.get("Retry-After")))


@dataclass(frozen=True)
class SoapOrderResult:
    """What the ERP answered: its order number and its log."""

    erp_order_id: str
    messages: tuple[SoapLogMessage, ...] = ()


class OrderPayloadError(PermanentError):
    """The sales order handed to the client lacks what the ERP needs."""

    def __init__(self, document: str, field: str, reason: str) -> None:
        self.document = document
        self.field = field
        self.reason = reason
        super().__init__(f"{document}: field {field!r}: {reason}")


def _decimal(value: Any, document: str, field: str) -> Decimal:
    if isinstance(value, float) or isinstance(value, bool) or value is None:
        raise OrderPayloadError(document, field, f"expected an exact decimal (string), got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise OrderPayloadError(document, field, f"{value!r} is not a decimal number") from None


def _date(value: Any, document: str, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise OrderPayloadError(document, field, f"{value!r} is not a date YYYY-MM-DD") from None


def _partner(order: Mapping[str, Any], function: str) -> str | None:
    for partner in order.get("partners") or []:
        if partner.get("function") == function and partner.get("external_id"):
            return str(partner["external_id"])
    return None


def build_request(order: Mapping[str, Any], default_area: SalesArea | None,
                  sender_system: str = "CRMHUB") -> dict[str, Any]:
    """The zeep arguments (MessageHeader, SalesOrder) for the canonical ``order`` data."""
    doc = str(order.get("hub_id") or "sales_order")
    if not order.get("hub_id"):
        raise OrderPayloadError(doc, "hub_id", "missing; the hub id is the ERP's buyer document id")
    sold_to = _partner(order, "sold_to")
    if sold_to is None:
        raise OrderPayloadError(doc, "partners", "no sold_to partner with an external_id (ERP customer number)")
    area_data = order.get("sales_area")
    if area_data:
        try:
            area = SalesArea(str(area_data["sales_org"]), str(area_data["distribution_channel"]),
                             str(area_data["division"]))
        except KeyError as exc:
            raise OrderPayloadError(doc, f"sales_area.{exc.args[0]}", "missing") from None
    elif default_area is not None:
        area = default_area
    else:
        raise OrderPayloadError(doc, "sales_area", "missing, and the client has no default sales area")
    note = order.get("customer_reference")
    if note is not None and len(str(note)) > 40:
        raise OrderPayloadError(doc, "customer_reference", "longer than 40 characters")
    items = order.get("items") or []
    if not items:
        raise OrderPayloadError(doc, "items", "an order needs at least one item")
    buyer: dict[str, Any] = {"ID": str(order["hub_id"])}
    if note:
        buyer["Note"] = str(note)
    if (order_date := _date(order.get("order_date"), doc, "order_date")) is not None:
        buyer["Date"] = order_date
    order_type = str(order.get("order_type") or "standard")
    if order_type not in ORDER_TYPES:
        raise OrderPayloadError(doc, "order_type", f"{order_type!r} has no SAP order type; known: "
                                                   f"{', '.join(sorted(ORDER_TYPES))}")
    sales_order: dict[str, Any] = {
        "BuyerDocument": buyer,
        "SalesAndServiceBusinessArea": {"SalesOrganisationID": area.sales_org,
                                        "DistributionChannelCode": area.distribution_channel,
                                        "DivisionCode": area.division},
        "AccountParty": {"InternalID": sold_to},
        "Item": [_item(item, n, doc) for n, item in enumerate(items)],
    }
    if ORDER_TYPES[order_type] != "TA":
        sales_order["ProcessingTypeCode"] = ORDER_TYPES[order_type]
    if (ship_to := _partner(order, "ship_to")) is not None:
        sales_order["ProductRecipientParty"] = {"InternalID": ship_to}
    requested = _date(order.get("requested_delivery_date"), doc, "requested_delivery_date")
    if requested is not None:
        sales_order["RequestedDate"] = requested
    if order.get("currency"):
        sales_order["PricingTerms"] = {"CurrencyCode": str(order["currency"])}
    header = {"ID": uuid.uuid4().hex, "UUID": str(uuid.uuid4()),
              "CreationDateTime": datetime.now(UTC), "SenderBusinessSystemID": sender_system}
    return {"MessageHeader": header, "SalesOrder": sales_order}


def _item(item: Mapping[str, Any], n: int, doc: str) -> dict[str, Any]:
    where = f"items.{n}"
    product = item.get("product_external_id")
    if not product:
        raise OrderPayloadError(doc, f"{where}.product_external_id", "missing (ERP material number)")
    quantity = item.get("quantity") or {}
    if not quantity.get("unit"):
        raise OrderPayloadError(doc, f"{where}.quantity.unit", "missing")
    value = _decimal(quantity.get("value"), doc, f"{where}.quantity.value")
    result: dict[str, Any] = {
        "ID": str(item.get("item_number") or (n + 1) * 10),
        "Product": {"InternalID": str(product)},
        "RequestedQuantity": {"_value_1": value, "unitCode": quantity["unit"]},
    }
    price = item.get("net_price")
    if price:
        amount = _decimal(price.get("amount"), doc, f"{where}.net_price.amount")
        if not price.get("currency"):
            raise OrderPayloadError(doc, f"{where}.net_price.currency", "missing")
        result["NetPrice"] = {"Amount": {"_value_1": amount, "currencyCode": price["currency"]},
                              "BaseQuantity": {"_value_1": Decimal(1), "unitCode": quantity["unit"]}}
    return result


class SalesOrderSoapClient:
    """zeep client of one ERP's sales-order create service.

    ``wsdl`` is a path or URL (the shipped ``settings.DEFAULT_WSDL`` or the ERP's own);
    ``endpoint`` overrides the WSDL's address. ``timeout`` (seconds) bounds loading the
    WSDL and every call. Requests go only where ``wsdl``/``endpoint`` point; proxy
    settings from the environment are ignored.
    """

    def __init__(self, wsdl: str, endpoint: str | None, username: str | None,
                 password: SecretStr | None, timeout: float, *, sales_area: SalesArea | None = None,
                 sender_system: str = "CRMHUB", transient_fault_ids: Collection[str] = ()) -> None:
        self.wsdl = str(wsdl)
        self.endpoint = endpoint
        self.timeout = timeout
        self.sales_area = sales_area
        self.sender_system = sender_system
        self.transient_fault_ids = frozenset(transient_fault_ids)
        self._secret = password.get_secret_value() if password is not None else ""
        session = requests.Session()
        session.trust_env = False
        if username is not None:
            session.auth = (username, self._secret)
        self._transport = AnswerKeepingTransport(session, timeout)
        self._service: Any = None
        self._address = endpoint or self.wsdl
        self._lock = threading.Lock()

    def _proxy(self) -> Any:
        with self._lock:
            if self._service is None:
                settings = zeep.Settings(strict=True, xml_huge_tree=False)
                client = zeep.Client(self.wsdl, transport=self._transport, settings=settings)
                self._service = (client.create_service(BINDING, self.endpoint) if self.endpoint
                                 else client.service)
                options = getattr(self._service, "_binding_options", {})
                self._address = self.endpoint or options.get("address") or self.wsdl
            return self._service

    def create_order(self, order: Mapping[str, Any]) -> SoapOrderResult:
        """Create ``order`` in the ERP; the same hub id twice yields the same ERP number."""
        payload = build_request(order, self.sales_area, self.sender_system)
        self._transport.forget()
        try:
            answer = getattr(self._proxy(), OPERATION)(**payload)
        except Exception as exc:  # translated at the boundary; unknown ones re-raised
            raise self._translate(exc) from exc
        return self._result(answer, payload["SalesOrder"]["BuyerDocument"]["ID"])

    def _result(self, answer: Any, buyer_id: str) -> SoapOrderResult:
        log = getattr(answer, "Log", None)
        messages = tuple(SoapLogMessage(i.TypeID, i.SeverityCode, i.Note)
                         for i in (getattr(log, "Item", None) or []))
        sales_order = getattr(answer, "SalesOrder", None)
        erp_id = getattr(sales_order, "ID", None)
        if erp_id:
            return SoapOrderResult(str(erp_id), messages)
        notes = "; ".join(m.note for m in messages) or "no log"
        if any((m.severity or "0") >= "3" for m in messages):
            raise PermanentError(self._redact(f"ERP did not save order {buyer_id}: {notes}"))
        raise TransientError(self._redact(f"ERP confirmation for {buyer_id} carries no order number ({notes})"))

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def _translate(self, exc: Exception) -> DeliveryError:
        answer = self._transport.last_answer()
        if isinstance(exc, requests.HTTPError) and exc.response is not None:  # loading a WSDL by URL
            answer = _answer(exc.response)
        error = self._classify(exc, answer)
        message = self._redact(str(error))
        if isinstance(error, TransientError):
            return TransientError(message, retry_after=None if answer is None else answer.retry_after)
        return type(error)(message)

    def _classify(self, exc: Exception, answer: HttpAnswer | None) -> DeliveryError:
        where = self._address
        if isinstance(exc, zx.Fault):
            if not exc.code and answer is not None and answer.status != 200:
                # No faultcode: zeep's "unknown fault", a well-formed answer without a
                # SOAP fault in it, such as an HTML error page. Its status says it all.
                return _http_status(answer.status, where, False)
            return self._fault(exc)
        if isinstance(exc, zx.TransportError):
            return _http_status(exc.status_code, where, "invalid XML" in str(exc.message))
        if isinstance(exc, requests.HTTPError) and answer is not None:
            return _http_status(answer.status, where, False)
        if isinstance(exc, requests.Timeout):
            return TransientError(f"ERP did not answer within {self.timeout:g} s ({where})")
        if isinstance(exc, requests.ConnectionError):
            return TransientError(f"cannot connect to the ERP at {where}: {type(exc).__name__}")
        if isinstance(exc, zx.ValidationError):
            return PermanentError(f"sales order does not fit the ERP's schema: {exc.message}")
        if isinstance(exc, (zx.XMLSyntaxError, zx.XMLParseError, zx.UnexpectedElementError,
                            etree.XMLSyntaxError)):
            return TransientError(f"malformed answer from the ERP at {where}: {exc}")
        if isinstance(exc, (zx.Error, requests.RequestException)):
            return TransientError(f"SOAP call to {where} failed: {type(exc).__name__}: {exc}")
        raise exc

    def _fault(self, fault: zx.Fault) -> DeliveryError:
        detail = fault.detail if isinstance(fault.detail, etree._Element) else None
        smf = None if detail is None else next(
            (e for e in detail.iter() if isinstance(e.tag, str)
             and etree.QName(e).localname == "StandardMessageFault"), None)
        if smf is None:
            code = (fault.code or "").rpartition(":")[2]
            if code == "Client":
                return PermanentError(f"ERP rejected the request: {fault.message}")
            return TransientError(f"ERP system fault ({code or 'no code'}): {fault.message}")
        standard = smf.find("standard")
        text = (standard.findtext("faultText") if standard is not None else None) or fault.message
        entries = [] if standard is None else [
            (d.findtext("severity") or "", d.findtext("text") or "", d.findtext("id") or "")
            for d in standard.findall("faultDetail")
        ]
        described = "; ".join(f"[{i or '-'} {s or '-'}] {t}" for s, t, i in entries)
        message = f"ERP fault: {text}" + (f" ({described})" if described else "")
        if any(s.lower() in TRANSIENT_SEVERITIES or i in self.transient_fault_ids for s, _, i in entries):
            return TransientError(message)
        return PermanentError(message)


def _http_status(status: int, where: str, bad_xml: bool) -> DeliveryError:
    if status == 200 and bad_xml:
        return TransientError(f"malformed answer from the ERP at {where}: not well-formed XML")
    if status in (401, 403):
        return PermanentError(f"ERP refused the credentials (HTTP {status}) at {where}")
    if status in (408, 429) or status >= 500:
        return TransientError(f"ERP answered HTTP {status} at {where}")
    return PermanentError(f"ERP answered HTTP {status} at {where}")

"""``ErpSimulator``: a real SOAP and IDoc-XML server on 127.0.0.1 that behaves like an ERP.

Tests and the demo use it through this Python API::

    with ErpSimulator(followups=f"file:{tmp_path}") as sim:
        client = SalesOrderSoapClient(sim.wsdl_url, None, None, None, timeout=5)
        sim.fail_next("http500", count=2)
        ...
        sim.orders["0000000001"]

The server (Starlette on uvicorn) runs in a background thread; port 0 picks a free
port, reported by ``start()`` and ``base_url``. ``serve_forever()`` runs it in the
calling thread instead, stopping on SIGINT/SIGTERM (the ``hub erp-sim`` command).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import TracebackType

import uvicorn
from lxml import etree
from pydantic import SecretStr

from plugins.erp_sap.simulator.audits_in import ReceivedAudit, ReceivedSales
from plugins.erp_sap.simulator.billing import BillingDesk
from plugins.erp_sap.simulator.contracts_in import Contract, ContractBook, InboundContract
from plugins.erp_sap.simulator.customers_in import InboundCustomer
from plugins.erp_sap.simulator.delivery import DeliveryFailed, FollowupTarget
from plugins.erp_sap.simulator.erp import CreateResult, ErpBackend, alpha
from plugins.erp_sap.simulator.followup_idocs import aleaud_idoc, invoic_idoc, ordrsp_idoc
from plugins.erp_sap.simulator.idocxml import DEFAULT_PARTNERS, Partners, document, safe_parser
from plugins.erp_sap.simulator.logistics import DEFAULT_SHIPPING, Shipping, Stock, desadv_idoc, loistd_idoc
from plugins.erp_sap.simulator.masterdata import product, product_index
from plugins.erp_sap.simulator.masterdata_idocs import matmas_idoc
from plugins.erp_sap.simulator.orders_in import InboundOrder
from plugins.erp_sap.simulator.routes import ENDPOINT_PATH, build_app
from plugins.erp_sap.simulator.state import FailureMode, FailureRule, SimulatorState, StoredOrder

log = logging.getLogger(__name__)
WSDL_DIR = Path(__file__).resolve().parent.parent / "wsdl"
WSDL_FILE = WSDL_DIR / "SalesOrderERPCreateRequestConfirmation_In.wsdl"
XSD_FILE = WSDL_DIR / "SalesOrderERP.xsd"
_SOAP_WSDL_NS = "http://schemas.xmlsoap.org/wsdl/soap/"


class ErpSimulator:
    """A simulated SAP ERP: SOAP order service, IDoc ports, master data, failure injection.

    ``followups`` (``"file:/dir"``, ``"http://..."`` or None) is where ORDRSP and INVOIC02
    (and ALEAUD01 for inbound IDocs, if ``acknowledge``) go right after an order is
    saved; ``followup_username``/``followup_password`` authenticate HTTP delivery.
    ``username``/``password`` protect the SOAP and IDoc endpoints with basic auth.
    ``timeout_seconds`` is how long a ``timeout`` failure keeps the caller waiting.
    ``shipping`` (carrier and parcel numbers) makes it deliver each new order right after
    confirming it (DESADV between ORDRSP and INVOIC02, stock taken off); None: no deliveries.
    """

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, seed: int = 1, customer_count: int = 1000,
        product_count: int = 1000, check_products: bool = True, state_file: str | Path | None = None,
        followups: str | FollowupTarget | None = None, followup_username: str | None = None,
        followup_password: SecretStr | None = None, acknowledge: bool = True,
        username: str | None = None, password: SecretStr | None = None,
        timeout_seconds: float = 30.0, partners: Partners = DEFAULT_PARTNERS,
        shipping: Shipping | None = DEFAULT_SHIPPING,
    ) -> None:
        self.host = host
        self.port = port
        self.seed = seed
        self.username = username
        self.password = password
        self.timeout_seconds = timeout_seconds
        self.acknowledge = acknowledge
        self.partners = partners
        self.followups = (FollowupTarget.parse(followups, followup_username, followup_password)
                          if followups is not None else None)
        self.state = SimulatorState(Path(state_file) if state_file else None)
        self.backend = ErpBackend(self.state, seed=seed, customer_count=customer_count,
                                  product_count=product_count, check_products=check_products)
        self.shipping = shipping
        self.stock = Stock(seed)
        self.billing = BillingDesk(self.state, seed, partners)
        """Billing documents issued and payments booked (``emit_billing``, ``emit_payment``...)."""
        self.contracts_book = ContractBook()
        """Contracts received as ORDERS05 of a contract type (see ``contracts_in``)."""
        self.backend.contract_exists = self.contracts_book.knows
        self.prices: dict[str, Decimal] = {}
        """Sales prices set with ``change_price`` (material -> EUR per base unit)."""
        self.followup_errors: list[str] = []
        self.audits: list[ReceivedAudit] = []
        """ALEAUD acknowledgements the hub sent for the simulator's IDocs."""
        self.sales: list[ReceivedSales] = []
        """POS sales the hub sent (WPUBON receipts, WPUUMS store days)."""
        self.xsd_bytes = XSD_FILE.read_bytes()
        self.wsdl_bytes = b""
        self._stopping = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> str:
        """Start serving in a background thread; returns the base URL."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only
        # then; without it, keep-alive answers wait ~40 ms for a delayed ACK (Nagle).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self.wsdl_bytes = self._live_wsdl()
        self._stopping.clear()
        config = uvicorn.Config(build_app(self), log_level="warning", access_log=False,
                                lifespan="off", ws="none", timeout_graceful_shutdown=2)
        server = self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                        name="erp-simulator", daemon=True)
        self._thread.start()
        while not server.started:
            if not self._thread.is_alive():
                self._server = None
                raise RuntimeError(f"the ERP simulator failed to start on {self.host}:{self.port}")
            self._stopping.wait(0.01)
        return self.base_url

    def serve_forever(self, on_ready: Callable[[ErpSimulator], None] | None = None) -> None:
        """Serve until SIGINT or SIGTERM (call from the main thread), then stop cleanly.

        ``on_ready`` is called once the server accepts connections.
        """
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.start()
            if on_ready is not None:
                on_ready(self)
            while not stop.wait(0.5):
                if self._thread is None or not self._thread.is_alive():
                    raise RuntimeError("the ERP simulator's server stopped unexpectedly")
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        """Stop serving; waits for the server thread (a sleeping ``timeout`` call is cut short)."""
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> ErpSimulator:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def stopping(self) -> bool:
        """Whether ``stop()`` was called."""
        return self._stopping.is_set()

    async def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds``, waking early when the simulator stops."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self._stopping.is_set() and loop.time() < deadline:
            await asyncio.sleep(min(0.05, max(0.0, deadline - loop.time())))

    # -- addresses -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint_url(self) -> str:
        """The SOAP endpoint."""
        return self.base_url + ENDPOINT_PATH

    @property
    def wsdl_url(self) -> str:
        """The WSDL, with this simulator's endpoint as its address."""
        return self.endpoint_url + "?wsdl"

    @property
    def idoc_url(self) -> str:
        """The inbound IDoc-XML port (ORDERS05)."""
        return self.base_url + "/sap/idoc"

    def _live_wsdl(self) -> bytes:
        tree = etree.fromstring(WSDL_FILE.read_bytes(), safe_parser())
        for address in tree.iter(f"{{{_SOAP_WSDL_NS}}}address"):
            address.set("location", self.endpoint_url)
        return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")

    # -- test API --------------------------------------------------------------------
    @property
    def orders(self) -> dict[str, StoredOrder]:
        """Saved orders by ERP number (a copy)."""
        return self.state.snapshot()

    def fail_next(self, mode: str | FailureMode, count: int = 1, match: str | None = None,
                  severity: str = "temporary") -> None:
        """Make the next ``count`` calls (for buyer document ``match``, if given) fail."""
        self.state.add_rule(FailureRule(FailureMode(mode), count, match, severity))

    def clear_failures(self) -> None:
        """Drop all pending failure rules."""
        self.state.clear_rules()

    def add_customer(self, number: str, currency: str = "EUR") -> str:
        """Make customer ``number`` known to the ERP."""
        return self.backend.add_customer(number, currency)

    def add_product(self, number: str) -> str:
        """Make material ``number`` known to the ERP."""
        return self.backend.add_product(number)

    # -- follow-ups ------------------------------------------------------------------
    def emit_followups(self, erp_order_id: str, target: str | FollowupTarget | None = None) -> list[str]:
        """Send ORDRSP, DESADV (when shipping) and INVOIC02 for order ``erp_order_id``;
        returns where they went."""
        order = self.orders.get(erp_order_id)
        if order is None:
            raise KeyError(f"no sales order {erp_order_id} in the simulator")
        chosen = self._target(target)
        ordrsp = ordrsp_idoc(order, self.state.next_docnum(), self.seed, partners=self.partners)
        sent = [self._send(chosen, "ORDRSP", "ORDERS05", ordrsp)]
        if self.shipping is not None and order.request.order_type not in ("RE", "L2"):
            for item in order.request.items:
                self.stock.take(item.material, item.quantity)
            desadv = desadv_idoc(order, self.state.next_delivery(), self.state.next_docnum(), self.shipping,
                                 partners=self.partners)
            sent.append(self._send(chosen, "DESADV", "DELVRY05", desadv))
        number = self.state.next_invoice()
        invoice = invoic_idoc(order, number, self.state.next_docnum(), self.seed, partners=self.partners)
        self.billing.keep_invoice(order, number)
        return [*sent, self._send(chosen, "INVOIC", "INVOIC02", invoice)]

    def emit_billing(self, erp_order_id: str, kind: str = "invoice", quantities: dict[str, Decimal] | None = None,
                     target: str | FollowupTarget | None = None) -> str:
        """Bill order ``erp_order_id`` (``kind``: invoice, credit_memo or debit_memo; all
        of it, or the item ids ``quantities`` names in those quantities) and send the
        INVOIC02; returns the billing document's number."""
        issued, idoc = self.billing.bill(self._order(erp_order_id), kind, quantities)
        self._send(self._target(target), "INVOIC", "INVOIC02", idoc)
        return issued.number

    def emit_cancellation(self, number: str, target: str | FollowupTarget | None = None) -> str:
        """Cancel billing document ``number`` (S1/S2) and send the INVOIC02; returns the cancellation's number."""
        original = self.billing.find(number)
        if original is None:
            raise KeyError(f"no billing document {number} in the simulator")
        issued, idoc = self.billing.cancel(self._order(original.erp_order_id), number)
        self._send(self._target(target), "INVOIC", "INVOIC02", idoc)
        return issued.number

    def emit_payment(self, number: str, amount: Decimal | None = None,
                     target: str | FollowupTarget | None = None) -> str:
        """Book a payment against billing document ``number`` (default: all that is open)
        and send the payment advice (REMADV / PEXR2002); returns where it went."""
        _issued, idoc = self.billing.pay(number, amount)
        return self._send(self._target(target), "REMADV", "PEXR2002", idoc)

    def _order(self, erp_order_id: str) -> StoredOrder:
        order = self.orders.get(erp_order_id)
        if order is None:
            raise KeyError(f"no sales order {erp_order_id} in the simulator")
        return order

    def report_stock(self, materials: list[str], target: str | FollowupTarget | None = None) -> str:
        """Send the stock of ``materials`` in plant 1000 as LOISTD IDocs, in one file."""
        if not materials:
            raise ValueError("name at least one material to report the stock of")
        idocs = []
        for number in materials:
            material = alpha(number, 18)
            if not self.backend.product_exists(material):
                raise KeyError(f"no material {number} in the simulator")
            index = product_index(material)
            unit = product(index, self.seed).base_unit if index is not None else "ST"
            idocs.append(loistd_idoc(material, unit, self.stock.level(material), self.state.next_docnum(),
                                     partners=self.partners))
        return self._target(target).deliver(f"LOISTD_{idocs[0].findtext('EDI_DC40/DOCNUM')}.xml",
                                            document("LOISTD01", idocs), self._stopping)

    def change_price(self, material: str, price: Decimal, target: str | FollowupTarget | None = None) -> str:
        """Change a generated material's sales price and send the material again (MATMAS)."""
        index = product_index(material)
        if index is None or index >= self.backend.product_count:
            raise KeyError(f"no generated material {material} in the simulator")
        number = product(index, self.seed).number
        self.prices[number] = price
        idoc = matmas_idoc(product(index, self.seed), self.state.next_docnum(), partners=self.partners, price=price)
        return self._send(self._target(target), "MATMAS", "MATMAS05", idoc)

    def _target(self, target: str | FollowupTarget | None) -> FollowupTarget:
        chosen = FollowupTarget.parse(target) if target is not None else self.followups
        if chosen is None:
            raise ValueError("no follow-up target: pass one or configure followups=")
        return chosen

    def _send(self, target: FollowupTarget, message_type: str, root: str, idoc: etree._Element) -> str:
        docnum = idoc.findtext("EDI_DC40/DOCNUM")
        return target.deliver(f"{message_type}_{docnum}.xml", document(root, [idoc]), self._stopping)

    def emit_automatic(self, erp_order_id: str) -> None:
        """Automatic follow-ups after a confirmation; failures are logged and kept."""
        try:
            self.emit_followups(erp_order_id)
        except DeliveryFailed as exc:
            self._record_failure(str(exc))

    def acknowledge_inbound(self, outcomes: list[tuple[InboundOrder, CreateResult]]) -> None:
        """ALEAUD01 for each received IDoc (if ``acknowledge``), then follow-ups of new orders."""
        assert self.followups is not None
        try:
            for inbound, result in outcomes:
                if self.acknowledge:
                    ok = result.order is not None
                    text = ("; ".join(p.text for p in result.problems) if result.order is None
                            else f"Sales order {result.order.erp_id}: all items rejected"
                            if inbound.message_type == "ORDCHG" else f"Sales order {result.order.erp_id} saved")
                    audit = aleaud_idoc(inbound.docnum, inbound.message_type, self.state.next_docnum(),
                                        ok=ok, text=text,
                                        erp_order_id=result.order.erp_id if result.order else None,
                                        partners=self.partners)
                    self._send(self.followups, "ALEAUD", "ALEAUD01", audit)
                if result.created and result.order is not None:
                    self.emit_followups(result.order.erp_id)
        except DeliveryFailed as exc:
            self._record_failure(str(exc))

    def acknowledge_contracts(self, saved: list[tuple[InboundContract, Contract, bool]]) -> None:
        """ALEAUD01 (53) for each contract IDoc, naming the contract number (E1PRTOB BUS2034)."""
        assert self.followups is not None
        try:
            for inbound, contract, created in saved:
                text = f"Contract {contract.erp_id} {'saved' if created else 'changed'}"
                audit = aleaud_idoc(inbound.docnum, inbound.message_type, self.state.next_docnum(), ok=True,
                                    text=text, erp_order_id=contract.erp_id, partners=self.partners,
                                    object_type="BUS2034")
                self._send(self.followups, "ALEAUD", "ALEAUD01", audit)
        except DeliveryFailed as exc:
            self._record_failure(str(exc))

    def acknowledge_customers(self, saved: list[tuple[InboundCustomer, str]]) -> None:
        """ALEAUD01 for each received DEBMAS, naming the customer number it was saved under."""
        assert self.followups is not None
        try:
            for customer, number in saved:
                audit = aleaud_idoc(customer.docnum, "DEBMAS", self.state.next_docnum(), ok=True,
                                    text=f"Customer {number} saved", erp_order_id=number,
                                    partners=self.partners, object_type="KNA1")
                self._send(self.followups, "ALEAUD", "ALEAUD01", audit)
        except DeliveryFailed as exc:
            self._record_failure(str(exc))

    def acknowledge_sales(self, sales: list[ReceivedSales]) -> None:
        """ALEAUD01 (53) for each POS IDoc taken, as SAP's POS inbound posts them."""
        assert self.followups is not None
        try:
            for taken in sales:
                audit = aleaud_idoc(taken.docnum, taken.message_type, self.state.next_docnum(), ok=True,
                                    text=f"POS sales of store {taken.store} for {taken.day} posted",
                                    partners=self.partners)
                self._send(self.followups, "ALEAUD", "ALEAUD01", audit)
        except DeliveryFailed as exc:
            self._record_failure(str(exc))

    def _record_failure(self, message: str) -> None:
        log.warning("ERP simulator follow-up delivery failed: %s", message)
        self.followup_errors.append(message)

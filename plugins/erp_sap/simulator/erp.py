"""The simulated ERP's business rules: which customers and materials exist, order checks.

Customers ``0 .. customer_count-1`` and materials ``0 .. product_count-1`` of the
master-data generator exist, plus any added with ``add_customer``/``add_product``.
An order is refused (a business error, as SAP's order simulation would refuse it)
when its sold-to party does not exist or is not maintained for the order's sales
area, or when a material does not exist. Numbers are accepted with or without
leading zeros, as SAP's ALPHA conversion does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from plugins.erp_sap.simulator.masterdata import Customer, SalesAreaData, customer, customer_index, product_index
from plugins.erp_sap.simulator.state import OrderRequest, SimulatorState, StoredOrder


@dataclass(frozen=True)
class BusinessProblem:
    """Why the ERP refuses an order: message id (``CLASS/NUMBER``) and text."""

    id: str
    text: str


def alpha(number: str, width: int) -> str:
    """SAP ALPHA conversion: all-digit numbers get leading zeros up to ``width``."""
    number = number.strip()
    return number.zfill(width) if number.isdigit() else number.upper()


@dataclass(frozen=True)
class CreateResult:
    """Outcome of taking an order: the saved order (new or known before) or the problems."""

    order: StoredOrder | None
    created: bool = False
    problems: tuple[BusinessProblem, ...] = ()


NEW_CUSTOMER_BASE = 900000
"""Customers created through DEBMAS are numbered from here, clear of generated ones."""


class ErpBackend:
    """Order checks and storage on top of a ``SimulatorState``."""

    def __init__(self, state: SimulatorState, *, seed: int = 1, customer_count: int = 1000,
                 product_count: int = 1000, check_products: bool = True) -> None:
        self.state = state
        self.seed = seed
        self.customer_count = customer_count
        self.product_count = product_count
        self.check_products = check_products
        self._extra_customers: dict[str, str] = {}
        self._extra_products: set[str] = set()
        self._lock = threading.Lock()
        self.contract_exists: Callable[[str], bool] | None = None
        """Whether a contract number (ALPHA, ten digits) is saved; None: releases are not checked."""

    def add_customer(self, number: str, currency: str = "EUR") -> str:
        """Make customer ``number`` exist in every sales area; returns it in internal format."""
        number = alpha(number, 10)
        with self._lock:
            self._extra_customers[number] = currency
        return number

    def add_product(self, number: str) -> str:
        """Make material ``number`` exist; returns it in internal format."""
        number = alpha(number, 18)
        with self._lock:
            self._extra_products.add(number)
        return number

    def normalise(self, request: OrderRequest) -> OrderRequest:
        """``request`` with customer, material and contract numbers in internal format."""
        items = tuple(replace(i, material=alpha(i.material, 18), contract=alpha(i.contract, 10) if i.contract else None)
                      for i in request.items)
        return replace(request, sold_to=alpha(request.sold_to, 10),
                       ship_to=alpha(request.ship_to, 10) if request.ship_to else None, items=items)

    def _generated(self, number: str) -> int | None:
        index = customer_index(number)
        return index if index is not None and index < self.customer_count else None

    def save_customer(self, number: str | None, currency: str = "EUR") -> str:
        """Create or change a customer sent by DEBMAS; a new one gets the next free number."""
        if number is None:
            number = alpha(str(NEW_CUSTOMER_BASE + len(self._extra_customers) + 1), 10)
            while self.customer_exists(number):
                number = alpha(str(int(number) + 1), 10)
        return self.add_customer(number, currency)

    def added_customer(self, number: str) -> Customer | None:
        """Customer ``number`` (internal format) if it was added or saved rather than
        generated, with what this ERP keeps of it: its number and currency, in the first
        sales area. A request load of such a customer (the one-time account, a customer the
        hub created) reads this."""
        with self._lock:
            currency = self._extra_customers.get(number)
        if currency is None:
            return None
        area = SalesAreaData(sales_org="1000", distribution_channel="10", division="00", currency=currency,
                             payment_terms="NT30", incoterms="EXW", incoterms_location="")
        return Customer(number=number, name=f"Customer {number.lstrip('0')}", street="", city="", postal_code="",
                        region="", country="DE", vat_id="", language_sap="D", language_iso="DE", phone="",
                        sales_areas=(area,))

    def customer_exists(self, number: str) -> bool:
        """Whether customer ``number`` (internal format) exists."""
        return number in self._extra_customers or self._generated(number) is not None

    def product_exists(self, number: str) -> bool:
        """Whether material ``number`` (internal format) exists."""
        index = product_index(number)
        return number in self._extra_products or (index is not None and index < self.product_count)

    def check(self, request: OrderRequest) -> list[BusinessProblem]:
        """Every business problem of a normalised ``request``; empty if it can be saved."""
        problems: list[BusinessProblem] = []
        area = f"{request.sales_org}/{request.distribution_channel}/{request.division}"
        if not self.customer_exists(request.sold_to):
            problems.append(BusinessProblem("ZERPSIM/001", f"Sold-to party {request.sold_to} does not exist"))
        else:
            index = self._generated(request.sold_to)
            if index is not None and not any(
                (a.sales_org, a.distribution_channel, a.division)
                == (request.sales_org, request.distribution_channel, request.division)
                for a in customer(index, self.seed).sales_areas
            ):
                problems.append(BusinessProblem(
                    "ZERPSIM/003", f"Sold-to party {request.sold_to} is not maintained for sales area {area}"))
        if request.ship_to and not self.customer_exists(request.ship_to):
            problems.append(BusinessProblem("ZERPSIM/001", f"Ship-to party {request.ship_to} does not exist"))
        if request.order_type == "RE" and request.reference and alpha(request.reference, 10) not in self.state.orders:
            problems.append(BusinessProblem(
                "ZERPSIM/006", f"Returns order refers to sales order {request.reference}, which does not exist"))
        if self.contract_exists is not None:
            for item in request.items:
                if item.contract and not self.contract_exists(item.contract):
                    problems.append(BusinessProblem(
                        "ZERPSIM/007", f"Item {item.item_id}: contract {item.contract} does not exist"))
        if self.check_products:
            for item in request.items:
                if not self.product_exists(item.material):
                    problems.append(BusinessProblem(
                        "ZERPSIM/002", f"Item {item.item_id}: material {item.material} does not exist"))
        return problems

    def currency(self, request: OrderRequest) -> str:
        """The order currency: as requested, else the customer's currency in the sales area."""
        if request.currency:
            return request.currency
        if request.sold_to in self._extra_customers:
            return self._extra_customers[request.sold_to]
        index = self._generated(request.sold_to)
        if index is not None:
            for area in customer(index, self.seed).sales_areas:
                if (area.sales_org, area.distribution_channel) == (request.sales_org,
                                                                    request.distribution_channel):
                    return area.currency
        return "EUR"

    def cancel(self, buyer_id: str) -> CreateResult:
        """Reject every item of the order saved for ``buyer_id`` (ORDCHG); again is harmless."""
        order = self.state.order_for_buyer(buyer_id)
        if order is None:
            return CreateResult(None, problems=(BusinessProblem(
                "ZERPSIM/007", f"No sales order for purchase order {buyer_id} to change"),))
        self.state.cancel(order.erp_id)
        return CreateResult(order)

    def create(self, request: OrderRequest, source: str,
               inbound_docnum: str | None = None) -> CreateResult:
        """Check and save ``request``.

        A buyer document id seen before returns the order saved then with
        ``created=False`` (redelivery is harmless), without checking again.
        """
        request = self.normalise(request)
        known = self.state.order_for_buyer(request.buyer_id)
        if known is not None:
            return CreateResult(known)
        problems = self.check(request)
        if problems:
            return CreateResult(None, problems=tuple(problems))
        order, created = self.state.store(request, self.currency(request), source, inbound_docnum)
        return CreateResult(order, created=created)

"""A live hub with the ERP simulator, and the contracts the tests make."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr

from hub.api import SalesContract, ServiceContract
from hub.testing.demo import QUICK_RETRIES
from hub.testing.live import LiveHub
from plugins.contracts.tables import billing
from plugins.erp_sap.acks import erp_number
from plugins.erp_sap.simulator.delivery import FollowupTarget
from plugins.erp_sap.simulator.masterdata import customer, product
from plugins.erp_sap.simulator.server import ErpSimulator

SEED = 7
RECORDS = 12
USER, PASSWORD = "hub", "contract-secret"


@contextmanager
def erp_hub(work: Path, database_url: str, contracts: dict[str, Any] | None = None, order_channel: str = "soap"
            ) -> Iterator[tuple[LiveHub, ErpSimulator, list[str], list[str]]]:
    """A live hub and simulator, customers and products loaded: (hub, sim, customers, products);
    orders go by ``order_channel`` (``soap`` or ``idoc``)."""
    sim = ErpSimulator(port=0, seed=SEED, customer_count=RECORDS, product_count=RECORDS, shipping=None)
    sim.start()
    settings = {"order_channel": order_channel, "wsdl": sim.wsdl_url, "endpoint": sim.endpoint_url, "timeout": 5.0,
                "idoc_url": sim.idoc_url, "inbound_dir": str(work / "in"), "outbound_dir": str(work / "out"),
                "definitions_dir": str(work / "defs"),
                "masterdata_url": f"{sim.base_url}/sim/idocs/{{message_type}}?count={RECORDS}"}
    try:
        with LiveHub(work / "hub", {"erp_sap": settings, "contracts": contracts or {}}, database_url=database_url,
                     username=USER, password=PASSWORD, queue=QUICK_RETRIES) as hub:
            sim.followups = FollowupTarget.parse(f"{hub.url}/erp_sap/idoc", USER, SecretStr(PASSWORD))
            hub.load("erp_sap", "customers")
            hub.load("erp_sap", "products")
            with hub.context("erp_sap").reading() as transaction:
                customers = [transaction.find("partner", erp_number(customer(i, SEED).number)) for i in range(3)]
                products = [transaction.find("product", erp_number(product(i, SEED).number)) for i in range(3)]
            try:
                yield hub, sim, [c for c in customers if c], [p for p in products if p]
            finally:
                sim.stop()
                settle(hub)
    finally:
        sim.stop()


def settle(hub: LiveHub, quiet: float = 1.5, timeout: float = 20.0) -> None:
    """Wait until no IDoc has come in for ``quiet`` seconds: the simulator's follow-ups are
    sent from threads of their own, and the hub should not close under one of them (the
    server then finishes the request, but the simulator's retries would meet a closed port)."""
    deadline = time.monotonic() + timeout
    seen, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(hub.cli_json("inbound", "list", "--limit", "100000") or [])  # type: ignore[arg-type]
        if count != seen:
            seen, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.2)


def value_contract(sold_to: str, target: str, valid_to: dt.date) -> SalesContract:
    """A value contract (WK1) for ``target`` EUR."""
    return SalesContract.model_validate({
        "contract_kind": "value", "currency": "EUR", "sold_to_hub_id": sold_to, "valid_from": dt.date.today(),
        "valid_to": valid_to, "partners": [{"function": "sold_to", "partner_hub_id": sold_to}],
        "target_value": {"amount": target, "currency": "EUR"}})


def quantity_contract(sold_to: str, product_id: str, target: str) -> SalesContract:
    """A quantity contract (KM): ``target`` pieces of one product."""
    return SalesContract.model_validate({
        "contract_kind": "quantity", "currency": "EUR", "sold_to_hub_id": sold_to, "valid_from": dt.date.today(),
        "valid_to": dt.date.today() + dt.timedelta(days=365),
        "partners": [{"function": "sold_to", "partner_hub_id": sold_to}],
        "items": [{"item_number": 10, "product_hub_id": product_id,
                   "target_quantity": {"value": target, "unit": "PCE"}}]})


def service_contract(sold_to: str, product_id: str, start: dt.date, *, meter: bool = False,
                     valid_to: dt.date | None = None, renewal: dict[str, Any] | None = None) -> ServiceContract:
    """A service contract billed monthly in advance (100 EUR), with a metered item if ``meter``."""
    items: list[dict[str, Any]] = [{
        "item_number": 10, "product_hub_id": product_id, "description": "maintenance",
        "billing_plan": {"frequency": "monthly", "amount": {"amount": "100.00", "currency": "EUR"},
                         "start_date": start.isoformat(), "in_advance": True}}]
    if meter:
        items.append({"item_number": 20, "product_hub_id": product_id, "description": "copies",
                      "usage_billing": {"meter_id": "M-1", "unit": "C62",
                                        "price_per_unit": {"amount": "0.05", "currency": "EUR"},
                                        "included_quantity": {"value": "100", "unit": "C62"}}})
    return ServiceContract.model_validate({
        "currency": "EUR", "sold_to_hub_id": sold_to, "valid_from": start.isoformat(),
        "valid_to": valid_to.isoformat() if valid_to else None,
        "partners": [{"function": "sold_to", "partner_hub_id": sold_to}], "items": items,
        "renewal": renewal or {}})


def billing_rows(hub: LiveHub, contract: str | None = None) -> list[Any]:
    """The claim rows (of one contract), by date and item."""
    c = billing.c
    query = sa.select(billing).order_by(c.contract_hub_id, c.billing_date, c.item_number)
    if contract is not None:
        query = query.where(c.contract_hub_id == contract)
    with hub.context("contracts").reading() as transaction:
        return list(transaction.connection.execute(query))

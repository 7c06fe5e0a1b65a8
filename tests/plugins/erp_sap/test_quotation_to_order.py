"""Quotation to order: accepting a quotation (``hub quotation accept``, or a quotation that
arrives accepted) makes the sales order that refers to it, once, and that order goes to
the ERP simulator over SOAP like any other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from erp_fixtures import MAPPINGS, plugin_settings

from hub.api import DocumentError, Quotation, SalesOrder
from hub.testing.live import LiveHub
from plugins.erp_sap.simulator.idocxml import document
from plugins.erp_sap.simulator.masterdata import customer, product
from plugins.erp_sap.simulator.masterdata_idocs import debmas_idoc, matmas_idoc
from plugins.erp_sap.simulator.server import ErpSimulator

QUICK = {"retry": {"max_attempts": 3, "multiplier": 0.01, "min_wait": 0.01, "max_wait": 0.1}, "poll_interval": 0.02}


@pytest.fixture
def sim() -> Iterator[ErpSimulator]:
    with ErpSimulator(shipping=None) as simulator:
        yield simulator


@pytest.fixture
def hub(tmp_path: Path, sim: ErpSimulator, database_url: str) -> Iterator[LiveHub]:
    table = plugin_settings(tmp_path, wsdl=sim.wsdl_url, idoc_url=sim.idoc_url, timeout=5.0,
                            replicate_partners=False)
    with LiveHub(tmp_path / "hub", {"erp_sap": table}, mappings_dir=MAPPINGS, queue=QUICK,
                 database_url=database_url) as live:
        yield live


def _quotation(hub: LiveHub, **overrides: Any) -> str:
    ingest = hub.context("erp_sap").ingest
    [partner] = ingest(document("DEBMAS07", [debmas_idoc(customer(0), f"{1:016d}")]), "debmas.xml")
    [material] = ingest(document("MATMAS05", [matmas_idoc(product(0), f"{2:016d}")]), "matmas.xml")
    sold_to = partner.hub_id
    quotation = Quotation.model_validate({
        "currency": "EUR", "sold_to_hub_id": sold_to, "quotation_date": date.today().isoformat(),
        "valid_to": (date.today() + timedelta(days=30)).isoformat(), "customer_reference": "RFQ-77",
        "partners": [{"function": "sold_to", "partner_hub_id": sold_to}],
        "items": [{"item_number": n, "product_hub_id": material.hub_id, "quantity": {"value": q, "unit": "PCE"},
                   "net_price": {"amount": "18.50", "currency": "EUR"}} for n, q in ((10, "24"), (20, "6"))],
        **overrides})
    [stored] = hub.upsert([quotation])
    return stored.hub_id


def _orders(hub: LiveHub) -> list[SalesOrder]:
    return [o for o in hub.documents("sales_order") if isinstance(o, SalesOrder)]


def _erp_number(hub: LiveHub, hub_id: str | None) -> str | None:
    with hub.context("erp_sap").reading() as transaction:
        return transaction.external_id("sales_order", str(hub_id))


def test_accepting_a_quotation_twice_makes_one_order_which_goes_to_the_erp(hub: LiveHub, sim: ErpSimulator) -> None:
    quotation_id = _quotation(hub)
    first = hub.cli_json("quotation", "accept", quotation_id)
    again = hub.cli_json("quotation", "accept", quotation_id)
    assert isinstance(first, dict) and isinstance(again, dict)
    assert (first["created"], again["created"]) == (True, False)
    assert first["sales_order"] == again["sales_order"]

    [order] = _orders(hub)
    assert order.hub_id == first["sales_order"]
    assert [(r.doc_type, r.hub_id) for r in order.references] == [("quotation", quotation_id)]
    assert [(i.item_number, str(i.quantity.value), i.references[-1].item_number) for i in order.items] == \
        [(10, "24", 10), (20, "6", 20)]
    assert (order.status, order.customer_reference, order.order_date) == ("open", "RFQ-77", date.today())

    assert hub.work_until(lambda: _erp_number(hub, order.hub_id) is not None, timeout=30)
    assert [o.request.buyer_id for o in sim.orders.values()] == [order.hub_id]
    shown = hub.cli_json("quotation", "show", quotation_id)
    assert isinstance(shown, dict) and isinstance(shown["links"], list)
    assert [(link["relation"], link["hub_id"]) for link in shown["links"]] == [  # type: ignore[index]
        ("followed by", order.hub_id)]
    stored = hub.cli_json("order", "show", str(order.hub_id))
    assert isinstance(stored, dict) and isinstance(stored["links"], list)
    assert [(link["relation"], link["doc_type"], link["status"]) for link in stored["links"]] == [  # type: ignore[index]
        ("references", "quotation", "accepted")]


def test_a_quotation_that_arrives_accepted_gets_its_order_once(hub: LiveHub, sim: ErpSimulator) -> None:
    quotation_id = _quotation(hub, status="accepted", external_ids=[{"system": "crm", "id": "Q-1"}])
    [order] = _orders(hub)
    hub.upsert([Quotation.model_validate({**hub.runtime.masterdata().get(quotation_id).model_dump(),
                                          "customer_reference": "RFQ-78"})], source_system="crm")
    assert [o.hub_id for o in _orders(hub)] == [order.hub_id]
    again = hub.cli_json("quotation", "accept", "crm:Q-1")
    assert isinstance(again, dict) and (again["sales_order"], again["created"]) == (order.hub_id, False)
    assert hub.work_until(lambda: _erp_number(hub, order.hub_id) is not None, timeout=30)
    assert len(sim.orders) == 1


@pytest.mark.parametrize(("overrides", "field", "reason"), [
    ({"status": "rejected"}, "status", "a rejected quotation cannot be accepted"),
    ({"status": "cancelled"}, "status", "a cancelled quotation cannot be accepted"),
    ({"quotation_date": "2024-05-02", "valid_to": "2024-05-30"}, "valid_to", "expired on 2024-05-30"),
])
def test_a_quotation_that_cannot_be_accepted_is_refused_and_nothing_is_made(
        hub: LiveHub, overrides: dict[str, Any], field: str, reason: str) -> None:
    quotation_id = _quotation(hub, **overrides)
    before = hub.runtime.masterdata().get(quotation_id)
    with pytest.raises(DocumentError) as refused:
        hub.admin("quotation", "accept", quotation_id)
    assert f"quotation {quotation_id}" in str(refused.value) and field in str(refused.value) \
        and reason in str(refused.value)
    assert _orders(hub) == []
    assert hub.runtime.masterdata().get(quotation_id) == before

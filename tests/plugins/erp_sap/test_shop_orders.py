"""Orders from a web shop to the ERP simulator: the shop's ids translated to the ERP's,
a cancellation as ORDCHG (idempotent), a return as order type RE referring to its
order, a guest on the one-time customer account with the order's own address."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from erp_fixtures import MAPPINGS, plugin_settings

from hub.api import BillingDocument, SalesOrder
from hub.testing import samples
from hub.testing.live import LiveHub
from plugins.erp_sap.simulator.delivery import FollowupTarget
from plugins.erp_sap.simulator.idocxml import document
from plugins.erp_sap.simulator.masterdata import customer, product
from plugins.erp_sap.simulator.masterdata_idocs import debmas_idoc, matmas_idoc
from plugins.erp_sap.simulator.server import ErpSimulator

QUICK = {"retry": {"max_attempts": 3, "multiplier": 0.01, "min_wait": 0.01, "max_wait": 0.1}, "poll_interval": 0.02}
CPD = "0000099999"


@pytest.fixture
def sim() -> Iterator[ErpSimulator]:
    with ErpSimulator() as simulator:
        simulator.add_customer(CPD)
        yield simulator


def _hub(tmp_path: Path, sim: ErpSimulator, **settings: Any) -> LiveHub:
    table = plugin_settings(tmp_path, wsdl=sim.wsdl_url, idoc_url=sim.idoc_url, timeout=5.0,
                            replicate_partners=False, **settings)
    hub = LiveHub(tmp_path / "hub", {"erp_sap": table}, mappings_dir=MAPPINGS, queue=QUICK)
    return hub


def _master_data(hub: LiveHub) -> tuple[str, str]:
    created = datetime(2024, 5, 2, tzinfo=UTC)
    ingest = hub.context("erp_sap").ingest
    [partner] = ingest(document("DEBMAS07", [debmas_idoc(customer(0), f"{1:016d}", created)]), "debmas.xml")
    [material] = ingest(document("MATMAS05", [matmas_idoc(product(0), f"{2:016d}", created)]), "matmas.xml")
    assert partner.hub_id and material.hub_id
    return partner.hub_id, material.hub_id


def _shop_order(sold_to: str, material: str, shop_id: str, **overrides: Any) -> SalesOrder:
    """An order as the shop plugin maps one: the shop's own ids beside the hub's."""
    return SalesOrder.model_validate({
        "external_ids": [{"system": "ecommerce", "id": shop_id}], "currency": "EUR", "order_date": "2024-05-06",
        "sold_to_hub_id": sold_to, "delivery_status": "not_delivered",
        "partners": [{"function": "sold_to", "partner_hub_id": sold_to, "external_id": "eu:5698741",
                      "email": "ada@example.com"}],
        "items": [{"item_number": 1, "product_hub_id": material, "product_external_id": "SKU-RED-1",
                   "quantity": {"value": "2", "unit": "PCE"}}], **overrides})


def _stored(hub: LiveHub, shop_id: str) -> SalesOrder:
    with hub.context("erp_sap").reading() as transaction:
        order = transaction.document(str(transaction.find("sales_order", shop_id, "ecommerce")))
    assert isinstance(order, SalesOrder)
    return order


def _erp_number(hub: LiveHub, hub_id: str | None) -> str | None:
    with hub.context("erp_sap").reading() as transaction:
        return transaction.external_id("sales_order", str(hub_id))


def test_a_shop_order_is_delivered_cancelled_and_returned(tmp_path: Path, sim: ErpSimulator) -> None:
    with _hub(tmp_path, sim) as hub:
        sim.followups = FollowupTarget.parse(f"{hub.url}/erp_sap/idoc")
        sold_to, material = _master_data(hub)
        hub.upsert([_shop_order(sold_to, material, "eu:1001"), _shop_order(sold_to, material, "eu:1002")],
                   source_system="ecommerce")
        assert hub.work_until(lambda: _stored(hub, "eu:1001").delivery_status == "delivered"
                              and _stored(hub, "eu:1002").delivery_status == "delivered", timeout=20)
        kept = _stored(hub, "eu:1001")
        erp = sim.orders[str(_erp_number(hub, kept.hub_id)).zfill(10)]
        assert (erp.request.sold_to, erp.request.items[0].material) == (customer(0).number, product(0).number)

        cancelled = _stored(hub, "eu:1002")
        for _ in range(2):  # cancelling twice changes nothing more in the ERP
            hub.upsert([SalesOrder.model_validate({**cancelled.model_dump(), "status": "cancelled"})],
                       source_system="ecommerce")
            cancelled = _stored(hub, "eu:1002")
        erp_cancelled = str(_erp_number(hub, cancelled.hub_id)).zfill(10)
        assert hub.work_until(lambda: erp_cancelled in sim.state.cancelled, timeout=20)
        assert sim.state.cancelled == {erp_cancelled}

        returned = _shop_order(sold_to, material, "eu:1001:r1", order_type="return",
                               references=[{"doc_type": "sales_order", "external_system": "ecommerce",
                                            "external_id": "eu:1001"}])
        hub.upsert([returned], source_system="ecommerce")
        assert hub.work_until(lambda: any(o.request.order_type == "RE" for o in sim.orders.values())
                              and _credit_memos(hub) == 1, timeout=20)
        assert _stored(hub, "eu:1001:r1").order_type == "return"
        assert _stored(hub, "eu:1001:r1").shipments == []


def _credit_memos(hub: LiveHub) -> int:
    return sum(1 for b in hub.documents("billing_document")
               if isinstance(b, BillingDocument) and b.billing_type.value == "credit_memo")


def test_returns_over_idoc_name_their_order_and_guests_go_on_the_one_time_account(
        tmp_path: Path, sim: ErpSimulator) -> None:
    with _hub(tmp_path, sim, order_channel="idoc", one_time_customer=CPD) as hub:
        sim.followups = FollowupTarget.parse(f"{hub.url}/erp_sap/idoc")
        sold_to, material = _master_data(hub)
        [guest] = hub.upsert([samples.person(hub_id=None, external_ids=[])], source_system="ecommerce")
        order = _shop_order(guest.hub_id, material, "eu:2001", partners=[{
            "function": "sold_to", "email": "grace@example.com", "name": "Grace Hopper",
            "address": {"street": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin", "country": "DE"}}])
        hub.upsert([order, _shop_order(sold_to, material, "eu:2002")], source_system="ecommerce")
        assert hub.work_until(lambda: _erp_number(hub, _stored(hub, "eu:2001").hub_id) is not None
                              and _erp_number(hub, _stored(hub, "eu:2002").hub_id) is not None, timeout=20)
        on_account = sim.orders[str(_erp_number(hub, _stored(hub, "eu:2001").hub_id)).zfill(10)]
        assert on_account.request.sold_to == CPD
        hub.upsert([_shop_order(sold_to, material, "eu:2002:r1", order_type="return", references=[
            {"doc_type": "sales_order", "external_system": "ecommerce", "external_id": "eu:2002"}])],
                   source_system="ecommerce")
        original = str(_erp_number(hub, _stored(hub, "eu:2002").hub_id))
        assert hub.work_until(lambda: any(o.request.order_type == "RE" for o in sim.orders.values()), timeout=20)
        [ret] = [o for o in sim.orders.values() if o.request.order_type == "RE"]
        assert ret.request.reference is not None and ret.request.reference.lstrip("0") == original

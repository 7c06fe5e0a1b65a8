"""Deliveries (DESADV) become shipments of their sales orders; stock (LOISTD) and prices
(MATMAS with its price segment) become stock levels and list prices. Payloads are
written by the simulator's own IDoc writer and taken in through the plugin's codec."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from erp_fixtures import MAPPINGS, plugin_settings

from hub.api import Product, SalesOrder, StockLevel
from hub.testing import samples
from hub.testing.live import LiveHub
from plugins.erp_sap.simulator.idocxml import document
from plugins.erp_sap.simulator.logistics import DEFAULT_SHIPPING, Shipping, desadv_idoc, loistd_idoc
from plugins.erp_sap.simulator.masterdata import product
from plugins.erp_sap.simulator.masterdata_idocs import matmas_idoc
from plugins.erp_sap.simulator.state import OrderItem, OrderRequest, StoredOrder

SHIPPED = datetime(2024, 6, 7, 12, 5, tzinfo=UTC)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[LiveHub]:
    with LiveHub(tmp_path / "hub", {"erp_sap": plugin_settings(tmp_path, replicate_partners=False)},
                 mappings_dir=MAPPINGS) as live:
        order = samples.sales_order(hub_id=None, external_ids=[], shipments=[], delivery_status="not_delivered")
        [created] = live.upsert([order])
        with live.context("erp_sap").transaction() as transaction:
            transaction.link("sales_order", "4711", created.hub_id)
        yield live


def _erp_order(quantity: str) -> StoredOrder:
    item = OrderItem(item_id="10", material="TV-2040", quantity=Decimal(quantity), unit="PCE")
    request = OrderRequest(buyer_id="so_01HZX0000000000000000ORDR1", sold_to="0000100001", sales_org="1000",
                           distribution_channel="10", division="00", items=(item,), buyer_date=date(2024, 5, 6))
    return StoredOrder("0000004711", request, "EUR", SHIPPED, "soap")


def _desadv(hub: LiveHub, delivery: str, docnum: int, quantity: str, shipping: Shipping = DEFAULT_SHIPPING) -> None:
    idoc = desadv_idoc(_erp_order(quantity), delivery, f"{docnum:016d}", shipping, shipped_at=SHIPPED)
    [outcome] = hub.context("erp_sap").ingest(document("DELVRY05", [idoc]), f"desadv{docnum}.xml")
    assert outcome.status == "posted", outcome.error


def _order(hub: LiveHub) -> SalesOrder:
    with hub.context("erp_sap").reading() as transaction:
        order = transaction.document(str(transaction.find("sales_order", "4711")))
    assert isinstance(order, SalesOrder)
    return order


def test_partial_deliveries_add_up_and_a_resent_one_replaces_its_shipment(hub: LiveHub) -> None:
    _desadv(hub, "0080000001", 1, "10")
    order = _order(hub)
    [first] = order.shipments
    assert (first.shipment_id, first.carrier, first.tracking_number) == ("80000001", "DHL Paket", "JJD00990080000001")
    assert first.shipped_at == SHIPPED and [(i.item_number, str(i.quantity.value)) for i in first.items] == [(10, "10")]
    assert order.delivery_status == "partially_delivered" and order.status == "in_process"
    _desadv(hub, "0080000001", 2, "10", Shipping(carrier="UPS", tracking="1Z{delivery}"))
    assert [(s.carrier, s.tracking_number) for s in _order(hub).shipments] == [("UPS", "1Z0080000001")]
    _desadv(hub, "0080000002", 3, "14")
    order = _order(hub)
    assert [s.shipment_id for s in order.shipments] == ["80000001", "80000002"]
    assert order.delivery_status == "delivered"
    assert hub.count("delivery") == 2


def test_stock_reports_make_one_document_per_product_and_location(hub: LiveHub) -> None:
    material = product(0).number
    created = datetime(2024, 6, 7, 18, 0, tzinfo=UTC)
    payload = document("LOISTD01", [loistd_idoc(material, "ST", Decimal("120"), f"{1:016d}", created),
                                    loistd_idoc(material, "ST", Decimal("-3"), f"{2:016d}", created)])
    assert [o.status for o in hub.context("erp_sap").ingest(payload, "loistd.xml")] == ["posted", "posted"]
    [level] = [s for s in hub.documents("stock_level") if isinstance(s, StockLevel)]
    assert (level.product_external_id, level.location, level.storage_location) == ("400001", "1000", "0001")
    assert (str(level.available.value), level.available.unit, level.as_of) == ("-3", "PCE", created)


def test_a_price_change_reaches_the_products_list_prices(hub: LiveHub) -> None:
    valve = product(0)
    ingest = hub.context("erp_sap").ingest
    ingest(document("MATMAS05", [matmas_idoc(valve, f"{1:016d}")]), "matmas1.xml")
    ingest(document("MATMAS05", [matmas_idoc(replace(valve), f"{2:016d}", price=Decimal("99.90"))]), "matmas2.xml")
    [item] = [p for p in hub.documents("product") if isinstance(p, Product)]
    [price] = item.list_prices
    assert (str(price.price.amount), price.price.currency, price.price_list) == ("99.90", "EUR", "1000/10")
    assert price.valid_from == date(2024, 1, 1) and price.per is not None and price.per.unit == "PCE"


def test_a_delivery_that_comes_before_its_orders_number_waits_for_it(tmp_path: Path) -> None:
    """The ERP may send the DESADV before the worker that created the order has committed
    the order's ERP number: the delivery waits, then lands on its order."""
    with LiveHub(tmp_path / "hub", {"erp_sap": plugin_settings(tmp_path, replicate_partners=False)},
                 mappings_dir=MAPPINGS) as hub:
        order = samples.sales_order(hub_id=None, external_ids=[], shipments=[], delivery_status="not_delivered")
        [created] = hub.upsert([order])
        idoc = desadv_idoc(_erp_order("24"), "0080000009", f"{9:016d}", DEFAULT_SHIPPING, shipped_at=SHIPPED)
        [outcome] = hub.context("erp_sap").ingest(document("DELVRY05", [idoc]), "desadv9.xml")
        assert outcome.status == "waiting" and outcome.waiting_for == ("erp_sap", "sales_order", "4711")
        assert hub.count("delivery") == 0
        with hub.context("erp_sap").transaction() as transaction:
            transaction.link("sales_order", "4711", created.hub_id)
        assert hub.work_until(lambda: hub.count("delivery") == 1, timeout=30)
        shipped = _order(hub)
        assert [s.shipment_id for s in shipped.shipments] == ["80000009"]
        assert shipped.delivery_status == "delivered"

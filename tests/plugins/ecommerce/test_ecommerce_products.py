"""Shop orders find their products by SKU: an order naming a SKU the hub does not know
waits, with that reason in ``hub inbound list --state waiting``, and posts when the
ERP's material arrives (MATMAS); the shop's ``sku_system`` says whose numbers SKUs are."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from live_shop import inbound, known_products, order_of, shop_settings
from shoppers import GUEST

from hub.testing.live import LiveHub
from plugins.ecommerce.simulator import ShopSimulator, ShopSpec
from plugins.ecommerce.simulator.config import DEFAULT_PRODUCTS, ProductSpec

MATMAS = Path(__file__).resolve().parents[1] / "erp_sap" / "data" / "matmas05.xml"
PUMP = ProductSpec("100100", "Centrifugal pump KP-100", Decimal("249.00"))
"""The material of the recorded MATMAS, sold by both shops under its number."""


@pytest.fixture(autouse=True)
def without_the_pos(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shops and the ERP's materials (erp_sap, with no ERP to send orders to)."""
    monkeypatch.setenv("HUB_DISABLED_PLUGINS", "loyalty_pos")


@pytest.fixture
def sim() -> Iterator[ShopSimulator]:
    products = (*DEFAULT_PRODUCTS, PUMP)
    with ShopSimulator([ShopSpec("eu", "shopify", products=products),
                        ShopSpec("fr", "woocommerce", products=products)]) as running:
        yield running


def product_of(hub: LiveHub, system: str, number: str) -> str | None:
    with hub.context("ecommerce").reading() as transaction:
        return transaction.find("product", number, system)


def test_an_order_for_an_unknown_sku_waits_and_posts_when_the_erps_material_arrives(
        tmp_path: Path, sim: ShopSimulator) -> None:
    with LiveHub(tmp_path, {"ecommerce": shop_settings(sim)}) as hub:
        for shop in ("eu", "fr"):
            sim.connect(shop, f"{hub.url}/ecommerce/{shop}/webhooks")
        placed = {shop: sim.place_order(shop, [{"sku": PUMP.sku, "quantity": 1}], guest=GUEST) for shop in ("eu", "fr")}
        assert sim.wait_for_deliveries()
        wanted = {shop: f"{shop}:{order['id']}" for shop, order in placed.items()}

        def waiting() -> list[str]:
            return [str(row["error"]) for row in inbound(hub, "--state", "waiting")]

        def waits_for(shop_id: str) -> bool:  # Shopify sends orders/create and orders/paid: both wait
            return any(f" {shop_id}: field 'items.0.product_hub_id" in error for error in waiting())

        assert hub.work_until(lambda: all(waits_for(i) for i in wanted.values()), timeout=10)
        assert all(f"product '{PUMP.sku}' of erp_sap is not in the key map" in error for error in waiting())
        assert all(order_of(hub, shop_id) is None for shop_id in wanted.values())

        hub.context("erp_sap").ingest(MATMAS.read_bytes(), "matmas05.xml", "application/xml")
        pump = product_of(hub, "erp_sap", PUMP.sku)
        assert pump is not None
        assert hub.work_until(lambda: all(order_of(hub, i) for i in wanted.values()), timeout=10)
        for shop_id in wanted.values():
            order = order_of(hub, shop_id)
            assert order is not None and [(i.product_hub_id, i.product_external_id) for i in order.items] == [
                (pump, PUMP.sku)]
        assert waiting() == []


def test_the_skus_are_the_product_numbers_of_the_shops_sku_system(tmp_path: Path, sim: ShopSimulator) -> None:
    settings = shop_settings(sim)
    settings["shops"]["fr"]["sku_system"] = "pim"
    with LiveHub(tmp_path, {"ecommerce": settings}) as hub:
        known_products(hub, sim)  # as the ERP's materials: enough for eu, not for fr
        for shop in ("eu", "fr"):
            sim.connect(shop, f"{hub.url}/ecommerce/{shop}/webhooks")
        placed = {shop: sim.place_order(shop, [{"sku": "400001", "quantity": 2}], guest=GUEST) for shop in ("eu", "fr")}
        assert sim.wait_for_deliveries()
        assert hub.work_until(lambda: order_of(hub, f"eu:{placed['eu']['id']}") is not None, timeout=10)
        [row] = inbound(hub, "--state", "waiting")
        assert str(row["error"]).startswith(f"woocommerce:order.created fr:{placed['fr']['id']}: ")
        assert "product '400001' of pim is not in the key map" in str(row["error"])

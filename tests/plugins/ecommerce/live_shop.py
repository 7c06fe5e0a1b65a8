"""A live hub wired to the shop simulator: the shops' settings as the hub needs them,
signed requests as the platforms sign them, and what the hub kept of them."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from hub.api import JsonValue, Product, SalesOrder
from hub.testing.live import LiveHub
from plugins.ecommerce.simulator import ShopSimulator

QUICK_QUEUE = {"retry": {"max_attempts": 3, "multiplier": 0.01, "min_wait": 0.01, "max_wait": 0.1},
               "poll_interval": 0.02}
"""Retries in milliseconds, so a test sees a blocked queue quickly."""


def shop_settings(sim: ShopSimulator, **extra: Any) -> dict[str, Any]:
    """The ``[plugins.ecommerce]`` table for every shop of ``sim``."""
    shops = sim.describe()["shops"]
    return {"shops": shops, **extra}


def order_of(hub: LiveHub, shop_id: str) -> SalesOrder | None:
    """The canonical order the hub keeps for the shop's order ``shop_id`` (``SHOP:ID``), if any."""
    with hub.context("ecommerce").reading() as transaction:
        hub_id = transaction.find("sales_order", shop_id)
        found = transaction.document(hub_id) if hub_id else None
    assert found is None or isinstance(found, SalesOrder)
    return found


def known_products(hub: LiveHub, sim: ShopSimulator, system: str = "erp_sap") -> None:
    """Every product the simulated shops sell, known to the hub as ``system``'s product of
    its SKU (the ERP's material, the shops' default sku_system), as if the ERP had sent
    its materials: the shops' orders find their products."""
    specs = {p.sku: p for shop in sim.shops.values() for p in shop.spec.products}
    hub.upsert([Product(kind="material", base_unit="PCE", external_ids=[{"system": system, "id": sku}],
                        descriptions=[{"language": "en", "text": spec.title}]) for sku, spec in specs.items()],
               source_system=system)


def sign(body: bytes, secret: str) -> str:
    """The base64 HMAC-SHA256 both platforms send."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def inbound(hub: LiveHub, *args: str) -> list[dict[str, JsonValue]]:
    """``hub inbound list ARGS --json``."""
    listed = hub.cli_json("inbound", "list", *args)
    assert isinstance(listed, list)
    return [row for row in listed if isinstance(row, dict)]


def settle(hub: LiveHub, seconds: float = 0.3) -> None:
    """Post what waits and deliver what is queued for a moment."""
    hub.work_until(lambda: False, timeout=seconds)

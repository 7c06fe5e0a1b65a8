"""Fixtures of the shop tests: a running simulator with one shop of each platform, and a
webhook receiver it delivers to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hook_receiver import HookReceiver

from plugins.ecommerce.simulator import ShopSimulator, ShopSpec


@pytest.fixture
def sim() -> Iterator[ShopSimulator]:
    """Shopify shop ``eu`` and WooCommerce shop ``fr`` on a free port."""
    with ShopSimulator([ShopSpec("eu", "shopify"), ShopSpec("fr", "woocommerce")]) as running:
        yield running


@pytest.fixture
def receiver(sim: ShopSimulator) -> Iterator[HookReceiver]:
    """A receiver every topic of both shops is subscribed to (WooCommerce's pings already in)."""
    with HookReceiver().running() as running:
        for shop in ("eu", "fr"):
            sim.connect(shop, running.url_of(shop))
        assert sim.wait_for_deliveries()
        yield running

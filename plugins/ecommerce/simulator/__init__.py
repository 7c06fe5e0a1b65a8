"""A shop simulator: Shopify and WooCommerce shops on a real HTTP server on 127.0.0.1.

It speaks the subset of Shopify's Admin REST API and of the WooCommerce REST API v3
the ecommerce plugin uses, sends signed webhooks as the platforms do (with chaos on
demand), and records what the hub pushes back. ``ShopSimulator`` is its Python API,
``hub shop-sim`` runs it on its own.
"""

from __future__ import annotations

from plugins.ecommerce.simulator.config import ProductSpec, ShopSpec
from plugins.ecommerce.simulator.server import ShopSimulator
from plugins.ecommerce.simulator.state import SimError

__all__ = ["ProductSpec", "ShopSimulator", "ShopSpec", "SimError"]

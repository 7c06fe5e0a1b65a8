"""The ``shops`` transport: the messages ``pushes`` queued, written to each shop.

One client and one catalogue per shop, built on first use and kept while the worker
runs. The message says which shop and what kind (order, stock, price); the platform's
module writes it. Errors come from ``ShopClient`` already sorted into transient (retry,
honouring the shop's Retry-After) and permanent (block the object's queue for that
shop); a message for a shop no longer configured is permanent too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.api import DeliveryResult, OutboundMessage, PermanentError, PluginContext
from plugins.ecommerce import shopify_out, woocommerce_out
from plugins.ecommerce.catalogue import Catalogue
from plugins.ecommerce.client import ShopClient
from plugins.ecommerce.settings import EcommerceSettings

Push = Callable[[ShopClient, Catalogue, dict[str, Any]], str]
_PUSHES: dict[tuple[str, str], Push] = {
    ("shopify", "order"): lambda client, _, payload: shopify_out.push_order(client, payload),
    ("shopify", "stock"): shopify_out.push_stock,
    ("shopify", "price"): shopify_out.push_price,
    ("woocommerce", "order"): lambda client, _, payload: woocommerce_out.push_order(client, payload),
    ("woocommerce", "stock"): woocommerce_out.push_stock,
    ("woocommerce", "price"): woocommerce_out.push_price,
}


class ShopTransport:
    """Order states, stock levels and prices to the shops' Admin REST APIs."""

    def __init__(self, context: PluginContext) -> None:
        self._settings = context.settings_as(EcommerceSettings)
        self._shops: dict[str, tuple[ShopClient, Catalogue]] = {}

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """Write the message's state to its shop."""
        name = message.payload.get("shop")
        shop = self._settings.shops.get(str(name))
        if shop is None:
            raise PermanentError(f"message {message.id} is for shop {name!r}, which is not configured"
                                 f" (shops: {', '.join(sorted(self._settings.shops)) or 'none'})")
        push = _PUSHES.get((shop.platform, message.kind))
        if push is None:
            raise PermanentError(f"message {message.id}: the shops transport sends no {message.kind!r}")
        if name not in self._shops:
            client = ShopClient(str(name), shop)
            self._shops[str(name)] = (client, Catalogue(client))
        client, catalogue = self._shops[str(name)]
        return DeliveryResult(detail=f"shop {name}: {push(client, catalogue, message.payload)}")

    def close(self) -> None:
        """Release the shops' connections."""
        for client, _ in self._shops.values():
            client.close()
        self._shops.clear()

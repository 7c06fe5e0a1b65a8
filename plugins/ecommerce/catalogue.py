"""A shop's catalogue as the pushes need it: which variant (product) sells a SKU, and
the shop's locations by name. Read from the shop once and kept; read again when a SKU
or a location is not found, since the merchant may have added it since, but at most
every ``REREAD_SECONDS``: an ERP's catalogue is usually much larger than a shop's, and
its initial load must not read the shop's whole catalogue once per unsold SKU."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from hub.api import PermanentError
from plugins.ecommerce.client import ShopClient

PAGE = 100
REREAD_SECONDS = 60.0


def shopify_pages(client: ShopClient, path: str, key: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """Every page of a Shopify listing, following the ``Link`` header's ``next`` cursor."""
    answer = client.get(path, params)
    while True:
        yield answer.json()[key]
        following = answer.links.get("next", {}).get("url")
        if not following:
            return
        answer = client.get(following)


def woocommerce_pages(client: ShopClient, path: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """Every page of a WooCommerce listing, ``page=1, 2, ...`` up to ``X-WP-TotalPages``."""
    page = 1
    while True:
        answer = client.get(path, {**params, "page": page, "per_page": PAGE})
        yield answer.json()
        if page >= int(answer.headers.get("X-WP-TotalPages") or 1):
            return
        page += 1


class Catalogue:
    """SKU -> the shop's variant (Shopify) or product (WooCommerce); location name -> id."""

    def __init__(self, client: ShopClient) -> None:
        self._client = client
        self._variants: dict[str, dict[str, Any]] | None = None
        self._read_at = 0.0
        self._locations: dict[str, int] | None = None

    def variant(self, sku: str) -> dict[str, Any] | None:
        """What sells ``sku`` in the shop (with ``id``; Shopify also ``inventory_item_id``), or None."""
        stale = time.monotonic() - self._read_at > REREAD_SECONDS
        if self._variants is None or (sku not in self._variants and stale):
            self._variants = self._read_variants()
            self._read_at = time.monotonic()
        return self._variants.get(sku)

    def location(self, name: str | None) -> int:
        """The id of the location called ``name``; None: the shop's first location."""
        if self._locations is None or (name is not None and name not in self._locations):
            answer = self._client.get("/locations.json").json()["locations"]
            self._locations = {str(loc["name"]): int(loc["id"]) for loc in answer if loc.get("active", True)}
        if not self._locations:
            raise PermanentError(f"shop {self._client.name} has no active location")
        if name is None:
            return next(iter(self._locations.values()))
        if name not in self._locations:
            raise PermanentError(f"shop {self._client.name} has no location {name!r} (it has:"
                                 f" {', '.join(self._locations)}); see stock_locations in its settings")
        return self._locations[name]

    def _read_variants(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        if self._client.platform == "shopify":
            for page in shopify_pages(self._client, "/products.json", "products", {"limit": 250}):
                for product in page:
                    for variant in product.get("variants") or []:
                        if variant.get("sku"):
                            found[str(variant["sku"])] = variant
        else:
            for page in woocommerce_pages(self._client, "/products", {}):
                for product in page:
                    if product.get("sku"):
                        found[str(product["sku"])] = product
        return found

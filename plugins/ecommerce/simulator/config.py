"""What the simulated shops are: platform, credentials, currency, taxes, catalogue.

A shop is described by a ``ShopSpec``; ``hub shop-sim`` reads them from a small TOML or
JSON file (``[shops.NAME]`` tables) or makes them from ``--shop NAME=PLATFORM`` flags.
Secrets left out are generated, so a test run never shares one with another.
"""

from __future__ import annotations

import json
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

Platform = Literal["shopify", "woocommerce"]
_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")
_SHOP_KEYS = {"platform", "currency", "tax_rate", "shipping_price", "webhook_secret", "access_token",
              "consumer_key", "consumer_secret", "products", "locations"}
_PRODUCT_KEYS = {"sku", "title", "price", "stock"}


class SimConfigError(ValueError):
    """A simulator configuration that cannot work; the message says which shop and key."""


@dataclass(frozen=True)
class ProductSpec:
    """One sellable variant: its SKU (the ERP's material number), title, price and stock."""

    sku: str
    title: str
    price: Decimal
    stock: int = 100


DEFAULT_PRODUCTS = (
    ProductSpec("400001", "Thermostatic valve DN15", Decimal("24.95")),
    ProductSpec("400002", "Pipe wrench 14in", Decimal("64.00")),
    ProductSpec("400003", "Radiator key", Decimal("3.50")),
    ProductSpec("400004", "PTFE thread seal tape 12 m", Decimal("1.95")),
    ProductSpec("400005", "Ball valve 3/4in", Decimal("18.40")),
)


@dataclass(frozen=True)
class ShopSpec:
    """One simulated shop. ``tax_rate`` is a fraction (0.19); Shopify prices include it,
    WooCommerce prices do not, as the two are usually set up in Europe."""

    name: str
    platform: Platform
    currency: str = "EUR"
    tax_rate: Decimal = Decimal("0.19")
    shipping_price: Decimal = Decimal("4.90")
    webhook_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    access_token: str = field(default_factory=lambda: "shpat_" + secrets.token_hex(16))
    consumer_key: str = field(default_factory=lambda: "ck_" + secrets.token_hex(20))
    consumer_secret: str = field(default_factory=lambda: "cs_" + secrets.token_hex(20))
    products: tuple[ProductSpec, ...] = DEFAULT_PRODUCTS
    locations: tuple[str, ...] = ("Main warehouse",)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise SimConfigError(f"shop {self.name!r}: a name is 1 to 40 of a-z, 0-9, _ and -")
        if self.platform not in ("shopify", "woocommerce"):
            raise SimConfigError(f"shop {self.name}: platform must be shopify or woocommerce")
        if not self.products or len({p.sku for p in self.products}) != len(self.products):
            raise SimConfigError(f"shop {self.name}: products must be given, each SKU once")
        if not self.locations:
            raise SimConfigError(f"shop {self.name}: at least one location is needed")


def load_specs(path: Path) -> list[ShopSpec]:
    """The shops of a TOML or JSON file: ``{"shops": {NAME: {platform, ...}}}``."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise SimConfigError(f"{path}: {exc}") from None
    shops = data.get("shops") if isinstance(data, dict) else None
    if not isinstance(shops, dict) or not shops:
        raise SimConfigError(f"{path}: needs a [shops.NAME] table per shop")
    return [spec_from_dict(name, table) for name, table in shops.items()]


def spec_from_dict(name: str, table: Any) -> ShopSpec:
    """A shop from its table; unknown keys are refused."""
    if not isinstance(table, dict):
        raise SimConfigError(f"shop {name}: must be a table")
    unknown = sorted(set(table) - _SHOP_KEYS)
    if unknown:
        raise SimConfigError(f"shop {name}: unknown key(s) {', '.join(unknown)}")
    values: dict[str, Any] = {k: v for k, v in table.items() if k not in ("products", "locations")}
    for key in ("tax_rate", "shipping_price"):
        if key in values:
            values[key] = _decimal(values[key], f"shop {name}: {key}")
    if "products" in table:
        values["products"] = tuple(_product(name, item) for item in table["products"])
    if "locations" in table:
        values["locations"] = tuple(str(location) for location in table["locations"])
    try:
        return ShopSpec(name=name, **values)
    except TypeError as exc:
        raise SimConfigError(f"shop {name}: {exc}") from None


def _product(shop: str, item: Any) -> ProductSpec:
    if not isinstance(item, dict) or set(item) - _PRODUCT_KEYS or not {"sku", "title", "price"} <= set(item):
        raise SimConfigError(f"shop {shop}: a product is {{sku, title, price[, stock]}}")
    return ProductSpec(str(item["sku"]), str(item["title"]), _decimal(item["price"], f"shop {shop}: price"),
                       int(item.get("stock", 100)))


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise SimConfigError(f"{where}: {value!r} is not a number") from None

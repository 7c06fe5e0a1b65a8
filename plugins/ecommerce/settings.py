"""Settings of the ecommerce plugin: the ``[plugins.ecommerce]`` table of hub.toml.

One ``[plugins.ecommerce.shops.<name>]`` table per shop, Shopify and WooCommerce side by
side. The shop's name is part of the hub's webhook URL (``/ecommerce/<name>/webhooks``)
and of every id the hub keeps for the shop's objects, so it is restricted to lower-case
letters, digits, ``_`` and ``-``. Every ``hub`` command imports this module to validate
the table, so it imports nothing but pydantic.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

PLUGIN = "ecommerce"
Platform = Literal["shopify", "woocommerce"]
SHOP_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")
"""What a shop's name may be: it is part of the webhook URL and of the ids the hub keeps."""
DEFAULT_SKU_SYSTEM = "erp_sap"
"""Whose product numbers a shop's SKUs are unless its ``sku_system`` says otherwise."""


def _check_shop_name(name: str) -> str:
    if not SHOP_NAME.match(name):
        raise ValueError(f"shop name {name!r}: use 1 to 40 of a-z, 0-9, _ and - (it is part of the webhook URL)")
    return name


ShopName = Annotated[str, AfterValidator(_check_shop_name)]
"""A shop's name: a URL path segment and the prefix of its objects' ids in the hub."""

_SHOPIFY_ONLY = ("access_token", "api_version")
_WOOCOMMERCE_ONLY = ("consumer_key", "consumer_secret")


class ShopSettings(BaseModel):
    """One shop: where its admin API is, how the hub proves who it is, how webhooks are signed."""

    model_config = ConfigDict(extra="forbid")

    platform: Platform = Field(description="The shop's platform: shopify or woocommerce.")
    base_url: str = Field(
        description="The shop's base URL (Shopify: https://NAME.myshopify.com; WooCommerce: the WordPress"
                    " site); the admin REST paths are appended to it.")
    webhook_secret: SecretStr = Field(
        description="Secret the shop signs its webhooks with (HMAC-SHA256); never printed or logged.")
    access_token: SecretStr | None = Field(
        default=None, description="Shopify only: the Admin API access token (X-Shopify-Access-Token).")
    api_version: str = Field(
        default="2024-07", pattern=r"^(\d{4}-(01|04|07|10)|unstable)$",
        description="Shopify only: the Admin API version in the request path, e.g. 2024-07.")
    consumer_key: SecretStr | None = Field(
        default=None, description="WooCommerce only: the REST API consumer key (ck_...).")
    consumer_secret: SecretStr | None = Field(
        default=None, description="WooCommerce only: the REST API consumer secret (cs_...).")
    sku_system: str = Field(
        default=DEFAULT_SKU_SYSTEM, min_length=1,
        description="The system whose product numbers the shop's SKUs are (its key map finds the product).")
    max_body_bytes: int | None = Field(
        default=None, ge=1,
        description="Largest webhook body the hub takes from this shop (413 above it);"
                    " default: [plugins.ecommerce] max_body_bytes.")
    currency: str = Field(
        default="EUR", pattern=r"^[A-Z]{3}$",
        description="The shop's currency: which of a product's list prices the hub sends it.")
    stock_locations: dict[str, str] = Field(
        default_factory=dict,
        description="Stock locations the shop sells from: the ERP's location (plant, or PLANT/STORAGE) -> the"
                    " shop's location name; empty: every stock level goes to the shop's first location.")
    reconcile_minutes: float = Field(
        default=15.0, gt=0,
        description="How often the hub polls the shop for orders and customers its webhooks missed.")

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL with a host, e.g. https://eu-store.myshopify.com")
        if parts.query or parts.fragment:
            raise ValueError("must not carry a query or fragment")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _check_credentials(self) -> ShopSettings:
        problems = []
        if not self.webhook_secret.get_secret_value():
            problems.append("webhook_secret must not be empty")
        if self.platform == "shopify":
            if not _present(self.access_token):
                problems.append("a shopify shop needs access_token (its Admin API token)")
            wrong = [name for name in _WOOCOMMERCE_ONLY if name in self.model_fields_set]
        else:
            missing = [name for name in _WOOCOMMERCE_ONLY if not _present(getattr(self, name))]
            if missing:
                problems.append(f"a woocommerce shop needs {' and '.join(missing)} (its REST API keys)")
            wrong = [name for name in _SHOPIFY_ONLY if name in self.model_fields_set]
        if wrong:
            problems.append(f"{', '.join(wrong)}: not used by a {self.platform} shop")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _present(secret: SecretStr | None) -> bool:
    return secret is not None and bool(secret.get_secret_value())


class EcommerceSettings(BaseModel):
    """The web shops the hub keeps in step, and what applies to all of them."""

    model_config = ConfigDict(extra="forbid")

    shops: dict[ShopName, ShopSettings] = Field(
        default_factory=dict,
        description="The shops by name ([plugins.ecommerce.shops.NAME]); names: a-z, 0-9, _ and -.")
    max_body_bytes: int | None = Field(
        default=1 << 20, ge=1,
        description="Largest webhook body the hub takes (413 above it), unless a shop sets its own;"
                    " unset: [http] max_body_bytes.")


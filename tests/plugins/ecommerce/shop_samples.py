"""The recorded shop payloads of the tests, and the headers the platforms send with them."""

from __future__ import annotations

from pathlib import Path

from plugins.ecommerce.codecs import webhook_envelope

DATA = Path(__file__).resolve().parent / "data"


def body(name: str) -> bytes:
    """A recorded payload by its path under ``data/`` (``shopify/orders_create.json``)."""
    return (DATA / name).read_bytes()


def shopify_headers(topic: str, event_id: str | None = "98880550-7158-44d4-b7cd-2c97c8a091b5",
                    webhook_id: str | None = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043") -> dict[str, str]:
    """What Shopify sends with a webhook (the signature aside)."""
    headers = {"X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": "eu-store.myshopify.com",
               "X-Shopify-API-Version": "2024-07", "X-Shopify-Triggered-At": "2024-06-03T12:22:07.318Z"}
    if event_id is not None:
        headers["X-Shopify-Event-Id"] = event_id
    if webhook_id is not None:
        headers["X-Shopify-Webhook-Id"] = webhook_id
    return headers


def woocommerce_headers(topic: str, delivery_id: str | None = "36e520ebabc2fa725092ff4a47acedf2") -> dict[str, str]:
    """What WooCommerce sends with a webhook (the signature aside)."""
    resource, event = topic.split(".")
    headers = {"X-WC-Webhook-Source": "https://shop.example.fr/", "X-WC-Webhook-Topic": topic,
               "X-WC-Webhook-Resource": resource, "X-WC-Webhook-Event": event, "X-WC-Webhook-ID": "3"}
    if delivery_id is not None:
        headers["X-WC-Webhook-Delivery-ID"] = delivery_id
    return headers


def shopify_envelope(topic: str, name: str, shop: str = "eu", **headers: str | None) -> bytes:
    """The envelope of the recorded Shopify payload ``name`` delivered under ``topic``."""
    return webhook_envelope("shopify", shop, shopify_headers(topic, **headers), body(name))


def woocommerce_envelope(topic: str, name: str, shop: str = "fr", **headers: str | None) -> bytes:
    """The envelope of the recorded WooCommerce payload ``name`` delivered under ``topic``."""
    return webhook_envelope("woocommerce", shop, woocommerce_headers(topic, **headers), body(name))

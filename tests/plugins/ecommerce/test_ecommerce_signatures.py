"""Is a webhook really from the shop? Checked over the raw bytes, before anything is parsed."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from shop_samples import body

from plugins.ecommerce.codecs import is_woocommerce_ping, verify_webhook

SECRET = "hush-7f3a"


def sign(raw: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


@pytest.mark.parametrize(("platform", "header"), [
    ("shopify", "X-Shopify-Hmac-Sha256"), ("shopify", "x-shopify-hmac-sha256"), ("shopify", "Shopify-Hmac-Sha256"),
    ("woocommerce", "X-WC-Webhook-Signature"), ("woocommerce", "x-wc-webhook-signature"),
    ("woocommerce", "WC-Webhook-Signature"),
])
def test_the_platforms_signature_header_verifies_the_raw_body(platform: str, header: str) -> None:
    raw = body("shopify/orders_create.json")
    assert verify_webhook(platform, raw, {header: sign(raw)}, SECRET)  # type: ignore[arg-type]
    assert verify_webhook(platform, raw, [(header, sign(raw))], SECRET)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", ["wrong-secret", "tampered", "missing", "other-platform", "garbage", "no-secret"])
def test_anything_but_the_right_signature_is_refused(case: str) -> None:
    raw = body("woocommerce/order_created.json")
    headers = {"X-WC-Webhook-Signature": sign(raw)}
    secret = SECRET
    if case == "wrong-secret":
        headers = {"X-WC-Webhook-Signature": sign(raw, "guess")}
    elif case == "tampered":
        raw = raw.replace(b'"97.68"', b'"0.01"')
    elif case == "missing":
        headers = {}
    elif case == "other-platform":
        headers = {"X-Shopify-Hmac-Sha256": sign(raw)}
    elif case == "garbage":
        headers = {"X-WC-Webhook-Signature": "not base64 at all!"}
    else:
        secret = ""
        headers = {"X-WC-Webhook-Signature": sign(raw, "")}
    assert not verify_webhook("woocommerce", raw, headers, secret)


def test_the_woocommerce_ping_is_told_from_a_delivery() -> None:
    assert is_woocommerce_ping(b"webhook_id=3")
    assert is_woocommerce_ping(b"webhook_id=12\n")
    assert not is_woocommerce_ping(b"webhook_id=3&topic=order.created")
    assert not is_woocommerce_ping(b'{"webhook_id": 3}')
    assert not is_woocommerce_ping(body("woocommerce/order_created.json"))

"""Is a webhook really from the shop? The signature check the webhook route runs first.

Both platforms send the base64 HMAC-SHA256 of the raw body under the shared secret:
Shopify in ``X-Shopify-Hmac-Sha256``, WooCommerce in ``X-WC-Webhook-Signature``. The
check runs over the bytes exactly as received, in constant time (``verify_hmac``).
WooCommerce also posts an unsigned *ping* (form body ``webhook_id=N``) when a webhook is
created; it carries no data and is recognised on its own, so the route can answer it
without taking unsigned bodies in general.
"""

from __future__ import annotations

import re

from hub.api import verify_hmac
from plugins.ecommerce.codecs.headers import HeaderSource, WebhookHeaders
from plugins.ecommerce.codecs.topics import PlatformName

SIGNATURE_HEADERS: dict[str, str] = {
    "shopify": "X-Shopify-Hmac-Sha256",
    "woocommerce": "X-WC-Webhook-Signature",
}
_PING = re.compile(rb"webhook_id=[0-9]+")


def verify_webhook(platform: PlatformName, raw_body: bytes, headers: HeaderSource, secret: str) -> bool:
    """Whether the platform's signature header holds the HMAC of ``raw_body`` under ``secret``.

    A missing or malformed signature is simply not valid. An empty secret never
    verifies anything: a shop without a secret must not accept every body.
    """
    if not secret:
        return False
    signature = WebhookHeaders(headers).get(SIGNATURE_HEADERS[platform])
    return verify_hmac(raw_body, signature, secret)


def is_woocommerce_ping(raw_body: bytes) -> bool:
    """Whether ``raw_body`` is WooCommerce's unsigned ping on webhook creation (``webhook_id=N``)."""
    return _PING.fullmatch(raw_body.strip()) is not None

"""``POST /ecommerce/<shop>/webhooks``: each configured shop's webhooks, verified, kept, answered.

One route per shop, because each shop signs with its own secret and may have its own
body limit: the route's ``Verify`` checks the platform's signature over the raw body
before anything parses it (a bad or missing one is a 401 and nothing is stored), the
gate answers 413 above the limit, and the handler keeps the delivery durably in the
hub's inbox as an envelope of its headers and body, then answers at once. Shops punish
slow or failing answers (Shopify drops a subscription after repeated failures,
WooCommerce disables a webhook after five), so a signed payload that later proves
unreadable or unmappable is still answered 2xx; the hub records it as failed, with a
reason naming shop, topic, object id and field, and it can be replayed after a fix.

WooCommerce posts an unsigned ping (``webhook_id=N``) when a webhook is created; the
check lets exactly that body through unsigned and the handler answers it 200 without
storing it.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api import Payload, RouteHandler, RouteSpec, Verify, accept_payload, receive_payload
from plugins.ecommerce.codecs import is_woocommerce_ping, verify_webhook, webhook_envelope
from plugins.ecommerce.codecs.headers import WebhookHeaders
from plugins.ecommerce.codecs.signatures import SIGNATURE_HEADERS
from plugins.ecommerce.settings import PLUGIN, EcommerceSettings, ShopSettings

ACCEPTED = 202
"""What a kept delivery is answered: 2xx, as both platforms require, as soon as it is durable."""


def webhook_path(shop: str) -> str:
    """The URL path of ``shop``'s webhooks on the hub's server."""
    return f"/{PLUGIN}/{shop}/webhooks"


def _is_ping(platform: str, raw_body: bytes, headers: Mapping[str, str]) -> bool:
    """WooCommerce's unsigned creation ping: the only body taken without a signature."""
    return platform == "woocommerce" and is_woocommerce_ping(raw_body) \
        and WebhookHeaders(headers).get(SIGNATURE_HEADERS["woocommerce"]) is None


def signature_check(shop: ShopSettings) -> Verify:
    """The route's authentication: the platform's HMAC of the raw body under the shop's secret."""
    secret = shop.webhook_secret.get_secret_value()

    def check(raw_body: bytes, headers: Mapping[str, str]) -> bool:
        return _is_ping(shop.platform, raw_body, headers) or verify_webhook(shop.platform, raw_body, headers, secret)

    return Verify(check)


def webhook_handler(name: str, shop: ShopSettings) -> RouteHandler:
    """The endpoint of shop ``name``: a ping is answered and dropped, a delivery kept and answered."""

    async def receive(request: Request) -> Response:
        payload = await receive_payload(request)
        if _is_ping(shop.platform, payload.raw, request.headers):
            return JSONResponse({"ignored": "webhook ping"}, status_code=200)

        def wrap(received: Payload) -> bytes:
            return webhook_envelope(shop.platform, name, request.headers, received.raw)

        return await accept_payload(request, wrap=wrap, content_type="application/json", status_code=ACCEPTED)

    return receive


def webhook_routes(settings: EcommerceSettings) -> list[RouteSpec]:
    """One signed route per configured shop, with the shop's body limit (else the plugin's)."""
    routes = []
    for name, shop in settings.shops.items():
        limit = shop.max_body_bytes if shop.max_body_bytes is not None else settings.max_body_bytes
        routes.append(RouteSpec(webhook_path(name), webhook_handler(name, shop), ("POST",),
                                f"Webhooks of {shop.platform} shop {name}", auth=signature_check(shop),
                                max_body_bytes=limit))
    return routes

"""The subset of the WooCommerce REST API v3 the hub uses, per simulated shop.

Under ``/shops/{shop}/wp-json/wc/v3/``: ``orders`` (``modified_after``/``_before``,
``after``, ``status``, ``customer``, ``include``, ``orderby``, ``order``, pages),
``orders/{id}`` (GET, PUT status), ``orders/{id}/refunds``, ``customers`` (``email``,
``role``), ``customers/{id}``, ``products`` (``sku``), ``products/{id}`` (GET, PUT stock
and regular price), ``products/batch``, ``webhooks`` (creating one pings it); and the
Shipment Tracking extension's
``/shops/{shop}/wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings``.

Every call authenticates with the consumer key and secret, as basic auth or as the
``consumer_key``/``consumer_secret`` query parameters. Chaos can answer 429 with
``Retry-After`` (WooCommerce itself does not limit, but the hosts in front of it do).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plugins.ecommerce.simulator import woocommerce_json as wj
from plugins.ecommerce.simulator.paging import woocommerce_page
from plugins.ecommerce.simulator.rest import Handler, in_range, int_param, json_body, respond, shop_of
from plugins.ecommerce.simulator.state import SimError

if TYPE_CHECKING:
    from plugins.ecommerce.simulator.server import ShopSimulator

_ERROR_CODES = {400: "rest_invalid_param", 401: "woocommerce_rest_cannot_view", 404: "woocommerce_rest_invalid_id",
                422: "woocommerce_rest_invalid_request", 429: "rest_too_many_requests"}
_SORT_FIELDS = {"date": "date_created_gmt", "modified": "date_modified_gmt", "id": "id"}


def _credentials(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            key, _, secret = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return key, secret
    return request.query_params.get("consumer_key", ""), request.query_params.get("consumer_secret", "")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return respond({"code": _ERROR_CODES.get(status, "woocommerce_rest_error"), "message": message,
                    "data": {"status": status}}, status, headers)


def woocommerce_routes(sim: ShopSimulator) -> list[Route]:
    """The routes of every simulated WooCommerce shop."""

    def call(handler: Handler) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                shop = shop_of(sim, request, "woocommerce")
                key, secret = _credentials(request)
                if not (hmac.compare_digest(key.encode(), shop.spec.consumer_key.encode())
                        and hmac.compare_digest(secret.encode(), shop.spec.consumer_secret.encode())):
                    return _error(401, "Sorry, you cannot list resources.")
                forced = sim.chaos.throttle()
                if forced is not None:
                    return _error(429, "Too many requests.", {"Retry-After": f"{forced:g}"})
                with sim.lock:
                    return await handler(request, shop)
            except SimError as exc:
                return _error(exc.status, str(exc))
        return endpoint

    def listing(request: Request, objects: list[dict[str, Any]]) -> Response:
        per_page = int_param(request, "per_page", 10, 1, 100)
        page = int_param(request, "page", 1, 1, 10**6)
        orderby = request.query_params.get("orderby", "date")
        if orderby not in _SORT_FIELDS:
            raise SimError(f"orderby must be one of {', '.join(_SORT_FIELDS)}", 400)
        descending = request.query_params.get("order", "desc") == "desc"
        ordered = sorted(objects, key=lambda o: (o[_SORT_FIELDS[orderby]], o["id"]), reverse=descending)
        found = woocommerce_page(str(request.url.replace(query="")), dict(request.query_params), ordered, page,
                                 per_page)
        return respond(found.items, headers=found.headers)

    async def orders(request: Request, shop: Any) -> Response:
        query = request.query_params
        statuses = set(query.get("status", "any").split(","))
        customer, include = query.get("customer"), set(query.get("include", "").split(",")) - {""}
        chosen = [o for o in shop.orders.values()
                  if ("any" in statuses or o["status"] in statuses)
                  and (customer is None or str(o["customer_id"]) == customer)
                  and (not include or str(o["id"]) in include)
                  and in_range(o["date_modified_gmt"], query.get("modified_after"), query.get("modified_before"),
                               ("modified_after", "modified_before"), inclusive=False)
                  and in_range(o["date_created_gmt"], query.get("after"), query.get("before"), ("after", "before"),
                               inclusive=False)]
        return listing(request, chosen)

    async def order(request: Request, shop: Any) -> Response:
        if request.method == "PUT":
            return respond(shop.update_order(request.path_params["id"], await json_body(request)))
        return respond(shop.order(request.path_params["id"]))

    async def refunds(request: Request, shop: Any) -> Response:
        shop.order(request.path_params["id"])
        return respond(shop.refunds.get(request.path_params["id"], []))

    async def trackings(request: Request, shop: Any) -> Response:
        return respond(shop.add_tracking(request.path_params["id"], await json_body(request)), 201)

    async def customers(request: Request, shop: Any) -> Response:
        email, role = request.query_params.get("email"), request.query_params.get("role", "customer")
        chosen = [c for c in shop.customers.values()
                  if (email is None or c["email"] == email) and (role == "all" or c["role"] == role)]
        return listing(request, chosen)

    async def customer(request: Request, shop: Any) -> Response:
        return respond(shop.customer(request.path_params["id"]))

    async def products(request: Request, shop: Any) -> Response:
        sku = request.query_params.get("sku")
        chosen = [wj.product(shop.site, v, shop.opened) for v in shop.catalogue.values() if sku in (None, v.sku)]
        return listing(request, chosen)

    async def product(request: Request, shop: Any) -> Response:
        if request.method == "PUT":
            return respond(shop.update_product(request.path_params["id"], await json_body(request)))
        found = next((v for v in shop.catalogue.values() if v.product_id == request.path_params["id"]), None)
        if found is None:
            raise SimError("Invalid ID.", 404)
        return respond(wj.product(shop.site, found, shop.opened))

    async def batch(request: Request, shop: Any) -> Response:
        return respond(shop.batch_products(await json_body(request)))

    async def webhooks(request: Request, shop: Any) -> Response:
        if request.method == "POST":
            body = await json_body(request)
            if not isinstance(body, dict) or not isinstance(body.get("topic"), str) \
                    or not isinstance(body.get("delivery_url"), str):
                raise SimError("topic and delivery_url are required", 400)
            made = sim.subscriptions.add(shop.name, "woocommerce", body["topic"], body["delivery_url"],
                                         str(body.get("secret") or shop.spec.webhook_secret), str(body.get("name", "")))
            sim.sender.ping(made)
            return respond(made.woocommerce_json(), 201)
        return respond([s.woocommerce_json() for s in sim.subscriptions.of_shop(shop.name)])

    async def webhook(request: Request, shop: Any) -> Response:
        found = sim.subscriptions.get(request.path_params["id"], shop.name)
        if request.method == "PUT":
            body = await json_body(request)
            status = body.get("status") if isinstance(body, dict) else None
            if status not in ("active", "paused", "disabled"):
                raise SimError("status must be active, paused or disabled", 400)
            sim.subscriptions.set_status(found, status)
        return respond(found.woocommerce_json())

    base = "/shops/{shop}/wp-json/wc/v3"
    table: list[tuple[str, Handler, list[str]]] = [
        (base + "/orders", orders, ["GET"]), (base + "/orders/{id:int}", order, ["GET", "PUT"]),
        (base + "/orders/{id:int}/refunds", refunds, ["GET"]), (base + "/customers", customers, ["GET"]),
        (base + "/customers/{id:int}", customer, ["GET"]), (base + "/products", products, ["GET"]),
        (base + "/products/batch", batch, ["POST"]), (base + "/products/{id:int}", product, ["GET", "PUT"]),
        (base + "/webhooks", webhooks, ["GET", "POST"]), (base + "/webhooks/{id:int}", webhook, ["GET", "PUT"]),
        ("/shops/{shop}/wp-json/wc-shipment-tracking/v3/orders/{id:int}/shipment-trackings", trackings, ["POST"]),
    ]
    return [Route(path, call(handler), methods=methods) for path, handler, methods in table]

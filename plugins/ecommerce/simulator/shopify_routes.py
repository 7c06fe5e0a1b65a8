"""The subset of Shopify's Admin REST API the hub uses, per simulated shop.

Under ``/shops/{shop}/admin/api/{version}/``: ``orders.json`` (``status``, ``updated_at_min``
/``_max``, ``created_at_min``, ``since_id``, ``ids``, cursor pages), ``orders/{id}.json``
(GET, PUT tags/note), ``orders/{id}/cancel.json``, ``orders/{id}/refunds.json``,
``orders/{id}/fulfillment_orders.json``, ``orders/{id}/transactions.json`` (GET, POST),
``fulfillments.json`` (POST),
``customers.json``, ``customers/{id}.json``, ``products.json``, ``variants/{id}.json``
(GET, PUT price), ``locations.json``, ``inventory_levels.json``,
``inventory_levels/set.json`` and ``webhooks.json``.

Every call needs ``X-Shopify-Access-Token`` and counts against the shop's leaky bucket
(``X-Shopify-Shop-Api-Call-Limit: n/40``); a full bucket, or chaos, answers 429 with
``Retry-After``.
"""

from __future__ import annotations

import hmac
import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plugins.ecommerce.simulator import shopify_json as sj
from plugins.ecommerce.simulator.paging import shopify_page
from plugins.ecommerce.simulator.rest import Handler, in_range, int_param, json_body, respond, shop_of
from plugins.ecommerce.simulator.state import SimError

if TYPE_CHECKING:
    from plugins.ecommerce.simulator.server import ShopSimulator

_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
_THROTTLED = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."


def _order_matches(order: dict[str, Any], query: dict[str, str]) -> bool:
    status = query.get("status", "open")
    if status == "open" and (order["closed_at"] or order["cancelled_at"]):
        return False
    if (status == "closed" and not order["closed_at"]) or (status == "cancelled" and not order["cancelled_at"]):
        return False
    return _common_matches(order, query)


def _common_matches(obj: dict[str, Any], query: dict[str, str]) -> bool:
    if "ids" in query and str(obj["id"]) not in query["ids"].split(","):
        return False
    if "since_id" in query and obj["id"] <= int(query["since_id"]):
        return False
    return in_range(obj["updated_at"], query.get("updated_at_min"), query.get("updated_at_max"),
                    ("updated_at_min", "updated_at_max")) and \
        in_range(obj["created_at"], query.get("created_at_min"), query.get("created_at_max"),
                 ("created_at_min", "created_at_max"))


def shopify_routes(sim: ShopSimulator) -> list[Route]:
    """The routes of every simulated Shopify shop."""

    def call(handler: Handler) -> Any:
        async def endpoint(request: Request) -> Response:
            headers: dict[str, str] = {}
            try:
                if not _VERSION.match(request.path_params["version"]):
                    raise SimError("Not Found", 404)
                shop = shop_of(sim, request, "shopify")
                token = request.headers.get("x-shopify-access-token", "")
                if not hmac.compare_digest(token.encode(), shop.spec.access_token.encode()):
                    return respond({"errors": "[API] Invalid API key or access token (unrecognized login or"
                                              " wrong password)"}, 401)
                allowed, used = sim.bucket.take(shop.name)
                headers = {"X-Shopify-Shop-Api-Call-Limit": f"{used}/{sim.bucket.SIZE}",
                           "X-Shopify-API-Version": request.path_params["version"]}
                forced = sim.chaos.throttle()
                if forced is not None or not allowed:
                    wait = forced if forced is not None else 2.0
                    return respond({"errors": _THROTTLED}, 429, {**headers, "Retry-After": f"{wait:.1f}"})
                with sim.lock:
                    response = await handler(request, shop)
            except SimError as exc:
                errors: Any = "Not Found" if exc.status == 404 else {"base": [str(exc)]}
                return respond({"errors": errors}, exc.status, headers)
            response.headers.update(headers)
            return response
        return endpoint

    def page(request: Request, key: str, objects: list[dict[str, Any]], matches: Any) -> Response:
        query = dict(request.query_params)
        if "page_info" in query and set(query) - {"page_info", "limit", "fields"}:
            raise SimError("page_info cannot be combined with other filters", 400)
        limit = int_param(request, "limit", 50, 1, 250)
        if not query.get("since_id", "0").isdigit():
            raise SimError("since_id must be a whole number", 400)
        found = shopify_page(str(request.url.replace(query="")), query, objects, matches, limit)
        return respond({key: found.items}, headers=found.headers)

    async def orders(request: Request, shop: Any) -> Response:
        return page(request, "orders", list(shop.orders.values()), _order_matches)

    async def order(request: Request, shop: Any) -> Response:
        if request.method == "PUT":
            return respond({"order": shop.update_order(request.path_params["id"], await json_body(request))})
        return respond({"order": shop.order(request.path_params["id"])})

    async def cancel(request: Request, shop: Any) -> Response:
        body = await json_body(request) or {}
        reason = body.get("reason", "other") if isinstance(body, dict) else "other"
        cancelled = shop.cancel(request.path_params["id"], reason)
        shop.record("order_cancel", order_id=cancelled["id"], reason=reason)
        return respond({"order": cancelled})

    async def refunds(request: Request, shop: Any) -> Response:
        shop.order(request.path_params["id"])
        return respond({"refunds": shop.refunds.get(request.path_params["id"], [])})

    async def fulfillment_orders(request: Request, shop: Any) -> Response:
        return respond({"fulfillment_orders": shop.fulfillment_orders_of(request.path_params["id"])})

    async def transactions(request: Request, shop: Any) -> Response:
        if request.method == "POST":
            made = shop.create_transaction(request.path_params["id"], await json_body(request))
            return respond({"transaction": made}, 201)
        return respond({"transactions": shop.transactions_of(request.path_params["id"])})

    async def fulfillments(request: Request, shop: Any) -> Response:
        return respond({"fulfillment": shop.fulfil(await json_body(request))}, 201)

    async def customers(request: Request, shop: Any) -> Response:
        return page(request, "customers", list(shop.customers.values()), _common_matches)

    async def customer(request: Request, shop: Any) -> Response:
        return respond({"customer": shop.customer(request.path_params["id"])})

    async def products(request: Request, shop: Any) -> Response:
        listed = [sj.product(v, shop.opened) for v in shop.catalogue.values()]
        return page(request, "products", listed, lambda p, q: "ids" not in q or str(p["id"]) in q["ids"].split(","))

    async def variant(request: Request, shop: Any) -> Response:
        if request.method == "PUT":
            return respond({"variant": shop.update_variant(request.path_params["id"], await json_body(request))})
        found = shop.by_variant_id(request.path_params["id"])
        return respond({"variant": sj.variant(found, shop.opened)})

    async def locations(request: Request, shop: Any) -> Response:
        return respond({"locations": [{"id": i, "name": name, "active": True, "legacy": False}
                                      for i, name in shop.locations.items()]})

    async def inventory_levels(request: Request, shop: Any) -> Response:
        items = set(request.query_params.get("inventory_item_ids", "").split(",")) - {""}
        wanted = set(request.query_params.get("location_ids", "").split(",")) - {""}
        if not items and not wanted:
            raise SimError("inventory_item_ids or location_ids is required")
        levels = [{"inventory_item_id": v.inventory_item_id, "location_id": loc, "available": qty}
                  for v in shop.catalogue.values() for loc, qty in v.stock.items()
                  if (not items or str(v.inventory_item_id) in items) and (not wanted or str(loc) in wanted)]
        return respond({"inventory_levels": levels})

    async def set_inventory(request: Request, shop: Any) -> Response:
        return respond({"inventory_level": shop.set_inventory(await json_body(request))})

    async def webhooks(request: Request, shop: Any) -> Response:
        version = request.path_params["version"]
        if request.method == "POST":
            body = await json_body(request)
            hook = body.get("webhook") if isinstance(body, dict) else None
            if not isinstance(hook, dict) or not isinstance(hook.get("topic"), str) \
                    or not isinstance(hook.get("address"), str):
                raise SimError("webhook.topic and webhook.address are required")
            made = sim.subscriptions.add(shop.name, "shopify", hook["topic"], hook["address"], shop.spec.webhook_secret)
            return respond({"webhook": made.shopify_json(version)}, 201)
        return respond({"webhooks": [s.shopify_json(version) for s in sim.subscriptions.of_shop(shop.name)]})

    async def webhook(request: Request, shop: Any) -> Response:
        sim.subscriptions.set_status(sim.subscriptions.get(request.path_params["id"], shop.name), "deleted")
        return respond({})

    base = "/shops/{shop}/admin/api/{version}"
    table: list[tuple[str, Handler, list[str]]] = [
        ("/orders.json", orders, ["GET"]), ("/orders/{id:int}.json", order, ["GET", "PUT"]),
        ("/orders/{id:int}/cancel.json", cancel, ["POST"]), ("/orders/{id:int}/refunds.json", refunds, ["GET"]),
        ("/orders/{id:int}/fulfillment_orders.json", fulfillment_orders, ["GET"]),
        ("/orders/{id:int}/transactions.json", transactions, ["GET", "POST"]),
        ("/fulfillments.json", fulfillments, ["POST"]), ("/customers.json", customers, ["GET"]),
        ("/customers/{id:int}.json", customer, ["GET"]), ("/products.json", products, ["GET"]),
        ("/variants/{id:int}.json", variant, ["GET", "PUT"]), ("/locations.json", locations, ["GET"]),
        ("/inventory_levels.json", inventory_levels, ["GET"]),
        ("/inventory_levels/set.json", set_inventory, ["POST"]), ("/webhooks.json", webhooks, ["GET", "POST"]),
        ("/webhooks/{id:int}.json", webhook, ["DELETE"]),
    ]
    return [Route(base + path, call(handler), methods=methods) for path, handler, methods in table]

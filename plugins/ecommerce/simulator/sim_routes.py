"""The simulator's own control API under ``/sim``, for scripts and other processes
(tests in-process use the ``ShopSimulator`` methods of the same names).

- ``GET  /sim/shops`` the shops with their API base URLs and credentials
- ``POST /sim/shops/{shop}/customers`` a shopper signs up (``email``, ``first_name``,
  ``last_name``, ``phone``, ``address``: {address1, address2, city, zip, region, country, company})
- ``PATCH /sim/shops/{shop}/customers/{id}`` the shopper edits the account
- ``POST /sim/shops/{shop}/orders`` a checkout: ``lines`` [{sku, quantity}], ``customer_id``
  or ``guest`` ({email, first_name, last_name, address}), ``paid`` (default true)
- ``PATCH /sim/shops/{shop}/orders/{id}`` the merchant edits the order (``note``, ``address``)
- ``POST /sim/shops/{shop}/orders/{id}/pay``, ``/cancel`` ({reason}), ``/refund``
  ({lines: [{line_item_id or sku, quantity}], shipping, note}); ``DELETE`` the order (WooCommerce)
- ``POST /sim/shops/{shop}/webhooks`` ({url}) subscribe ``url`` to every topic of the shop
- ``GET|POST /sim/chaos`` read or change the chaos settings
- ``GET  /sim/recorded?shop=&kind=&after=`` what the hub pushed back
- ``GET  /sim/deliveries?shop=`` every webhook delivery with its attempts
- ``POST /sim/wait?timeout=`` answer once no delivery is pending (``{"idle": bool}``)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plugins.ecommerce.simulator.rest import json_body, respond
from plugins.ecommerce.simulator.state import SimError

if TYPE_CHECKING:
    from plugins.ecommerce.simulator.server import ShopSimulator


def sim_routes(sim: ShopSimulator) -> list[Route]:
    """The ``/sim`` routes of ``sim``."""

    def call(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except SimError as exc:
                return respond({"error": str(exc)}, exc.status)
        return endpoint

    async def body_of(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise SimError("expected a JSON object")
        return body

    async def shops(request: Request) -> Response:
        return respond(sim.describe())

    async def customers(request: Request) -> Response:
        shop = request.path_params["shop"]
        if request.method == "PATCH":
            return respond(sim.update_customer(shop, request.path_params["id"], **await body_of(request)))
        return respond(sim.create_customer(shop, **await body_of(request)), 201)

    async def orders(request: Request) -> Response:
        body = await body_of(request)
        unknown = set(body) - {"lines", "customer_id", "guest", "paid"}
        if unknown:
            raise SimError(f"unknown field(s): {', '.join(sorted(unknown))}")
        return respond(sim.place_order(request.path_params["shop"], body.get("lines") or [],
                                       body.get("customer_id"), body.get("guest"), body.get("paid", True)), 201)

    async def order_action(request: Request) -> Response:
        shop, order_id, action = (request.path_params[k] for k in ("shop", "id", "action"))
        body = await body_of(request)
        if action == "pay":
            return respond(sim.pay(shop, order_id))
        if action == "cancel":
            return respond(sim.cancel(shop, order_id, body.get("reason", "customer")))
        if action == "refund":
            return respond(sim.refund(shop, order_id, body.get("lines") or [], bool(body.get("shipping")),
                                      body.get("note")), 201)
        raise SimError(f"no order action {action!r}", 404)

    async def one_order(request: Request) -> Response:
        if request.method == "PATCH":
            return respond(sim.edit_order(request.path_params["shop"], request.path_params["id"],
                                          **await body_of(request)))
        sim.delete_order(request.path_params["shop"], request.path_params["id"])
        return Response(status_code=204)

    async def webhooks(request: Request) -> Response:
        url = (await body_of(request)).get("url")
        if not isinstance(url, str):
            raise SimError("url is required")
        made = sim.connect(request.path_params["shop"], url)
        return respond([{"id": s.id, "topic": s.topic, "address": s.address} for s in made], 201)

    async def chaos(request: Request) -> Response:
        if request.method == "POST":
            return respond(sim.set_chaos(**await body_of(request)))
        return respond(sim.chaos.snapshot())

    async def recorded(request: Request) -> Response:
        query = request.query_params
        after = query.get("after", "0")
        if not after.isdigit():
            raise SimError("after must be a whole number", 400)
        return respond(sim.recorded(query.get("shop"), query.get("kind"), int(after)))

    async def deliveries(request: Request) -> Response:
        return respond(sim.deliveries(request.query_params.get("shop")))

    async def wait(request: Request) -> Response:
        try:
            timeout = float(request.query_params.get("timeout", "10"))
        except ValueError:
            raise SimError("timeout must be a number of seconds", 400) from None
        return respond({"idle": await run_in_threadpool(sim.wait_for_deliveries, min(timeout, 600.0))})

    return [
        Route("/sim/shops", call(shops), methods=["GET"]),
        Route("/sim/shops/{shop}/customers", call(customers), methods=["POST"]),
        Route("/sim/shops/{shop}/customers/{id:int}", call(customers), methods=["PATCH"]),
        Route("/sim/shops/{shop}/orders", call(orders), methods=["POST"]),
        Route("/sim/shops/{shop}/orders/{id:int}", call(one_order), methods=["PATCH", "DELETE"]),
        Route("/sim/shops/{shop}/orders/{id:int}/{action}", call(order_action), methods=["POST"]),
        Route("/sim/shops/{shop}/webhooks", call(webhooks), methods=["POST"]),
        Route("/sim/chaos", call(chaos), methods=["GET", "POST"]),
        Route("/sim/recorded", call(recorded), methods=["GET"]),
        Route("/sim/deliveries", call(deliveries), methods=["GET"]),
        Route("/sim/wait", call(wait), methods=["POST"]),
    ]

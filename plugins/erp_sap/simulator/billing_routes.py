"""The simulator's control routes for billing and payments, for ``hub erp-sim`` users and
tests that drive the simulator over HTTP:

- ``GET /sim/billing``: the billing documents issued, with what is paid;
- ``POST /sim/orders/{erp_id}/billing`` ``{"kind": "invoice"|"credit_memo"|"debit_memo",
  "quantities": {ITEM-ID: "2"}}`` (quantities optional: all of the order): bill it;
- ``POST /sim/billing/{number}/cancel``: cancel a billing document (S1/S2);
- ``POST /sim/billing/{number}/payments`` ``{"amount": "10.00"}`` (optional: all that is
  open): book a payment, sent as a payment advice (REMADV).

Each sends its IDoc to the follow-up target and answers with the new document's number
(or where the advice went); a request the ERP would refuse answers 400 with the reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from plugins.erp_sap.simulator.delivery import DeliveryFailed

if TYPE_CHECKING:
    from plugins.erp_sap.simulator.server import ErpSimulator


async def _body(request: Request) -> dict[str, Any]:
    data = await request.json() if await request.body() else {}
    if not isinstance(data, dict):
        raise ValueError("the body is a JSON object")
    return data


async def _run(work: Callable[[], Any]) -> Response:
    try:
        return JSONResponse(await asyncio.to_thread(work))
    except (ValueError, KeyError, TypeError, InvalidOperation, DeliveryFailed) as exc:
        return JSONResponse({"error": str(exc)}, 400)


def billing_routes(sim: ErpSimulator) -> list[Route]:
    """The billing control routes of ``sim``."""

    async def issued(request: Request) -> Response:
        return JSONResponse([{k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(i).items()}
                             for i in sim.billing.issued.values()])

    async def bill(request: Request) -> Response:
        try:
            data = await _body(request)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        quantities = data.get("quantities")

        def work() -> dict[str, str]:
            wanted = None if quantities is None else {str(k): Decimal(str(v)) for k, v in dict(quantities).items()}
            return {"number": sim.emit_billing(request.path_params["erp_id"], str(data.get("kind", "invoice")),
                                               wanted)}
        return await _run(work)

    async def cancel(request: Request) -> Response:
        return await _run(lambda: {"number": sim.emit_cancellation(request.path_params["number"])})

    async def pay(request: Request) -> Response:
        try:
            data = await _body(request)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        amount = data.get("amount")
        return await _run(lambda: {"delivered": sim.emit_payment(
            request.path_params["number"], None if amount is None else Decimal(str(amount)))})

    return [
        Route("/sim/billing", issued, methods=["GET"]),
        Route("/sim/orders/{erp_id}/billing", bill, methods=["POST"]),
        Route("/sim/billing/{number}/cancel", cancel, methods=["POST"]),
        Route("/sim/billing/{number}/payments", pay, methods=["POST"]),
    ]

"""The till API's endpoints: card look-up, point reservations, coupons.

Every endpoint authenticates the store (``till.auth``) before it reads anything, answers
JSON, and refuses as RFC 9457 problem+json: unknown card, reservation or coupon 404,
too few points or a used coupon 409, a bad key 401, another store's reservation 403, a
malformed body 422 with every field problem. Work runs in a worker thread, each
request in one database transaction (reads take no write lock), in the process's
read or write lane (``till.lanes``: writers one at a time on SQLite).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api import PluginContext, PluginTransaction, receive_payload, route_context, utcnow
from plugins.loyalty_pos.engine import coupons, members, redemptions
from plugins.loyalty_pos.engine.balances import balances
from plugins.loyalty_pos.engine.programme import NoProgramme, RecentProgramme
from plugins.loyalty_pos.engine.redemptions import RedemptionRefused
from plugins.loyalty_pos.problems import FieldIssue, TillProblem, malformed, not_found
from plugins.loyalty_pos.settings import PLUGIN, LoyaltyPosSettings
from plugins.loyalty_pos.till.auth import check_store, till_route
from plugins.loyalty_pos.till.lanes import lanes

V1 = f"/{PLUGIN}/v1"
IDEMPOTENCY = "Idempotency-Key"
PROGRAMME = RecentProgramme()
T = TypeVar("T")
B = TypeVar("B", bound=BaseModel)


class ReserveBody(BaseModel):
    """``POST /redemptions``: the card, how many points (of which type) or which reward of
    the programme, for which receipt."""

    model_config = ConfigDict(extra="forbid", strict=True)

    card: str = Field(min_length=1, max_length=64)
    points: int | None = Field(default=None, gt=0, le=10**9)
    reward: str | None = Field(default=None, min_length=1, max_length=40)
    point_type: str | None = Field(default=None, min_length=1, max_length=40)
    receipt: str | None = Field(default=None, min_length=1, max_length=160)
    store: str | None = Field(default=None, min_length=1, max_length=40)


class CouponBody(BaseModel):
    """``POST /coupons/{code}/redeem``: the receipt it is used on, and the card shown."""

    model_config = ConfigDict(extra="forbid", strict=True)

    receipt: str | None = Field(default=None, min_length=1, max_length=160)
    card: str | None = Field(default=None, min_length=1, max_length=64)


def _refusal(refused: RedemptionRefused) -> TillProblem:
    titles = {404: "Not found", 403: "Forbidden", 409: "Conflict", 422: "Malformed request body"}
    return TillProblem(refused.status, refused.kind, titles.get(refused.status, "Refused"), refused.detail)


async def _in_transaction(request: Request, work: Callable[[PluginTransaction, PluginContext], T],
                          write: bool = True) -> T:
    context = route_context(request)

    def run() -> T:
        try:
            with context.transaction() if write else context.reading() as tx:
                return work(tx, context)
        except RedemptionRefused as refused:
            raise _refusal(refused) from None
        except NoProgramme as exc:
            raise TillProblem(503, "no-programme", "Service unavailable", str(exc)) from None

    return await (await lanes(context)).run(run, write)


async def _body(request: Request, model: type[B]) -> B:
    raw = (await receive_payload(request)).raw
    try:
        data = json.loads(raw or b"{}", parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise malformed(f"the body is not JSON: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        issues = [FieldIssue(".".join(str(p) for p in e["loc"]) or "(body)", e["msg"]) for e in exc.errors()]
        raise malformed(f"{len(issues)} field problem(s)", issues) from None


async def _card(request: Request, store: str) -> Response:
    """``GET /cards/{card}``: member, tier and balances per point type."""
    card = request.path_params["card"]

    def look(tx: PluginTransaction, context: PluginContext) -> dict[str, Any]:
        found = members.by_card(tx.connection, card)
        if found is None:
            raise not_found("unknown-card", f"no member has card {card!r}")
        now = utcnow()
        return {"card": card, "member": found.id, "status": found.status, "tier": found.tier_code,
                "balances": [b.as_dict() for b in balances(tx.connection, found.id, now.date(), now)]}

    return JSONResponse(await _in_transaction(request, look, write=False))


async def _reserve(request: Request, store: str) -> Response:
    """``POST /redemptions`` with an Idempotency-Key: hold points for a receipt."""
    key = request.headers.get(IDEMPOTENCY, "").strip()
    body = await _body(request, ReserveBody)
    if not key or len(key) > 200:
        raise malformed(f"send an {IDEMPOTENCY} header (1 to 200 characters)",
                        [FieldIssue(IDEMPOTENCY, "required header, 1 to 200 characters")])
    if (body.points is None) == (body.reward is None):
        raise malformed("name either points or a reward", [FieldIssue("points", "either points or reward")])
    if body.store is not None:
        check_store(store, body.store)
    asked = redemptions.Request(body.card, body.points, body.point_type, body.receipt, body.reward)

    def hold(tx: PluginTransaction, context: PluginContext) -> dict[str, Any]:
        lapse = context.settings_as(LoyaltyPosSettings).reservation_lapse_seconds
        return redemptions.reserve(tx.connection, PROGRAMME.get(tx), store, key, asked, utcnow(), lapse)

    answer = await _in_transaction(request, hold)
    return JSONResponse(answer, status_code=201)


async def _commit(request: Request, store: str) -> Response:
    """``POST /redemptions/{id}/commit``: spend what the reservation holds."""
    reservation = request.path_params["id"]
    answer = await _in_transaction(request, lambda tx, _: redemptions.commit(tx.connection, store, reservation,
                                                                             utcnow()))
    return JSONResponse(answer)


async def _cancel(request: Request, store: str) -> Response:
    """``POST /redemptions/{id}/cancel``: release what the reservation holds."""
    reservation = request.path_params["id"]
    answer = await _in_transaction(request, lambda tx, _: redemptions.cancel(tx.connection, store, reservation,
                                                                             utcnow()))
    return JSONResponse(answer)


async def _coupon(request: Request, store: str) -> Response:
    """``GET /coupons/{code}[?card=CARD]``: the coupon and whether it may be redeemed now."""
    code, card = request.path_params["code"], request.query_params.get("card")
    answer = await _in_transaction(request, lambda tx, _: coupons.view(tx.connection, code, utcnow().date(), card),
                                   write=False)
    return JSONResponse(answer)


async def _redeem_coupon(request: Request, store: str) -> Response:
    """``POST /coupons/{code}/redeem``: use the coupon, once."""
    code = request.path_params["code"]
    body = await _body(request, CouponBody)
    answer = await _in_transaction(request, lambda tx, _: coupons.redeem(tx.connection, code, store, body.receipt,
                                                                         body.card, utcnow()))
    return JSONResponse(answer)


ENDPOINTS = (
    (f"{V1}/cards/{{card}}", till_route(_card), ("GET",), "Till: a card's member, tier and balances"),
    (f"{V1}/redemptions", till_route(_reserve), ("POST",), "Till: reserve points (Idempotency-Key)"),
    (f"{V1}/redemptions/{{id}}/commit", till_route(_commit), ("POST",), "Till: commit a reservation"),
    (f"{V1}/redemptions/{{id}}/cancel", till_route(_cancel), ("POST",), "Till: cancel a reservation"),
    (f"{V1}/coupons/{{code}}", till_route(_coupon), ("GET",), "Till: validate a coupon"),
    (f"{V1}/coupons/{{code}}/redeem", till_route(_redeem_coupon), ("POST",), "Till: redeem a coupon once"),
)
"""Path, endpoint, methods and description of every till route."""

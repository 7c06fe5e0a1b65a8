"""What both REST APIs of the simulator share: finding the shop, reading the request,
time filters, and turning refusals into the platform's own error bodies."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from plugins.ecommerce.simulator.state import ShopBase, SimError

if TYPE_CHECKING:
    from plugins.ecommerce.simulator.server import ShopSimulator

Handler = Callable[[Request, ShopBase], Awaitable[Response]]


def shop_of(sim: ShopSimulator, request: Request, platform: str) -> ShopBase:
    """The shop named in the path, when it runs on ``platform``; 404 otherwise."""
    shop = sim.shops.get(request.path_params["shop"])
    if shop is None or shop.platform != platform:
        raise SimError(f"no {platform} shop {request.path_params['shop']!r}", 404)
    return shop


async def json_body(request: Request) -> Any:
    """The request's JSON body; 400 when it is not JSON."""
    raw = await request.body()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        raise SimError("the body is not JSON", 400) from None


def int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter within [low, high]; 400 otherwise."""
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise SimError(f"{name} must be a whole number", 400) from None
    if not low <= value <= high:
        raise SimError(f"{name} must be from {low} to {high}", 400)
    return value


def instant(text: str, name: str) -> datetime:
    """A time filter as the platforms take it (ISO 8601; without offset: UTC); 400 otherwise."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SimError(f"{name} is not an ISO 8601 time", 400) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def stored_instant(text: str | None) -> datetime | None:
    """A time as stored in an object (Shopify: with offset; WooCommerce *_gmt: UTC without)."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def in_range(value: str | None, low: str | None, high: str | None, names: tuple[str, str],
             inclusive: bool = True) -> bool:
    """Whether the stored time ``value`` lies within the optional bounds: [low, high]
    (Shopify's ``_min``/``_max``), or (low, high) when not ``inclusive`` (WooCommerce's
    ``_after``/``_before``)."""
    moment = stored_instant(value)
    if low is not None:
        bound = instant(low, names[0])
        if moment is None or moment < bound or (not inclusive and moment == bound):
            return False
    if high is not None:
        bound = instant(high, names[1])
        if moment is None or moment > bound or (not inclusive and moment == bound):
            return False
    return True


def respond(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    """A JSON answer."""
    return JSONResponse(data, status, headers=headers)

"""Who is calling the till API: the store whose API key came in ``Authorization: Bearer``.

The till routes are declared ``PUBLIC`` to the hub's gate (which still enforces their
body limit) and authenticate here, first thing, before the body is read: the key is
looked up in the plugin's own table (``till.keys``), and a refusal is a problem+json
401 that a till can parse like every other answer of the API. Refusals (401 and 403)
are logged like the gate's: address, method, path and reason, never the key or the body.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from hub.api import route_context
from plugins.loyalty_pos.problems import TillProblem, forbidden, unauthorised
from plugins.loyalty_pos.till.keys import BOOK

log = logging.getLogger("hub.loyalty_pos.till")

StoreHandler = Callable[[Request, str], Awaitable[Response]]


async def calling_store(request: Request) -> str:
    """The store of the request's key; TillProblem 401 without a genuine one."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise unauthorised("send the store's API key as 'Authorization: Bearer KEY'")
    key = key.strip()
    store = BOOK.remembered(key) or await run_in_threadpool(BOOK.store_of, route_context(request), key)
    if store is None:
        raise unauthorised("unknown or revoked API key")
    return store


def check_store(calling: str, named: str) -> None:
    """TillProblem 403 when a request of ``calling``'s till is about ``named``, another store."""
    if calling != named:
        raise forbidden(f"this API key belongs to store {calling!r}, not {named!r}")


def till_route(handler: StoreHandler) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint that authenticates the store, then runs ``handler(request,
    store)``; every ``TillProblem`` becomes its problem+json answer."""
    async def endpoint(request: Request) -> Response:
        try:
            store = await calling_store(request)
            return await handler(request, store)
        except TillProblem as problem:
            if problem.status in (401, 403):
                _log_refusal(request, problem.detail)
            return problem.response()

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


def _log_refusal(request: Request, reason: str) -> None:
    """One WARNING line per refused till request. The path is logged as sent, still
    percent-encoded, so that a path cannot forge a line; the query string is left out."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else repr(request.url.path)
    client = f"{request.client.host}:{request.client.port}" if request.client else "an unknown address"
    log.warning("refused %s %s from %s: %s", request.method, path, client, reason)

"""Who may call the REST API: a key (``hub api-key create``) in ``Authorization:
Bearer KEY`` or ``X-API-Key: KEY``, whose scope covers the endpoint.

Two steps. ``KeyCheck`` wraps the app: a request without a genuine key is answered 401
before anything else happens to it (its body is not read, its path not even routed),
so a stranger learns nothing about the API but its public description. Then each
endpoint's dependency (``Reader``, ``Writer``, ``Admin``) refuses a key whose scope is
too small with 403. Either refusal is logged at WARNING with method, path and reason,
never with the key. A key read lately is trusted from memory
(``hub.core.restapi.keys.KeyBook``); otherwise it is looked up in a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope as AsgiScope, Send

from hub.core.restapi.keys import BOOK, ApiClient, Scope, grants
from hub.http.api.problems import ApiRefusal, problem
from hub.http.api.services import ApiServices

log = logging.getLogger("hub.http")

bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="A key from `hub api-key create`, as `Authorization: Bearer KEY`.")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKey",
                              description="The same key, as `X-API-Key: KEY`.")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="crm-hub"'}
MISSING = "missing API key (Authorization: Bearer KEY, or X-API-Key)"
CLIENT_KEY = "hub.api_client"
"""Where ``KeyCheck`` leaves the caller in the request's ASGI scope."""


def presented_key(headers: Headers) -> str | None:
    """The key in ``Authorization: Bearer KEY``, else in ``X-API-Key``."""
    scheme, _, value = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return headers.get("x-api-key", "").strip() or None


class KeyCheck:
    """ASGI wrapper: lets a request through to ``app`` only with a genuine key, except
    to the public paths (the API's description and its page)."""

    def __init__(self, app: ASGIApp, services: ApiServices, public: frozenset[str]) -> None:
        self.app = app
        self.services = services
        self.public = public

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].removeprefix(scope.get("root_path", "")) in self.public:
            await self.app(scope, receive, send)
            return
        key = presented_key(Headers(scope=scope))
        client = None
        if key is not None:
            client = BOOK.remembered(key) or await run_in_threadpool(
                BOOK.client_of, self.services.reader, key, self.services.key_cache_seconds)
        if client is None:
            reason = "unknown or revoked API key" if key else MISSING
            log.warning("refused %s %s: %s", scope["method"], scope.get("path"), reason)
            refusal = problem(401, reason, scope.get("path"), kind="unauthorized",
                              headers={**CHALLENGE, "Connection": "close"})
            await refusal(scope, receive, send)
            return
        scope[CLIENT_KEY] = client
        await self.app(scope, receive, send)


def require(scope: Scope) -> Callable[..., Awaitable[ApiClient]]:
    """A dependency that lets a request through only with a key of ``scope`` or more. Its
    security parameters say in the OpenAPI description where the key goes."""

    async def check(request: Request,
              bearer_credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
              header_key: Annotated[str | None, Security(api_key_header)]) -> ApiClient:
        client = request.scope.get(CLIENT_KEY)
        if not isinstance(client, ApiClient):
            raise RuntimeError(f"{request.url.path}: the API app is served without its KeyCheck")
        if not grants(client.scope, scope):
            reason = f"API key {client.key_id} has scope {client.scope}; this needs {scope}"
            log.warning("refused %s %s: %s", request.method, request.url.path, reason)
            raise ApiRefusal(403, reason, kind="forbidden")
        return client

    return check


Reader = Annotated[ApiClient, Depends(require("read"))]
Writer = Annotated[ApiClient, Depends(require("write"))]
Admin = Annotated[ApiClient, Depends(require("admin"))]

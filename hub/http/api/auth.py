"""Who may call the REST API: a key (``hub api-key create``) in ``Authorization:
Bearer KEY`` or ``X-API-Key: KEY``, whose scope covers the endpoint.

No key, or an unknown or revoked one, is 401; a key whose scope is too small is 403.
Either is logged at WARNING with method, path and reason, never with the key. A key
read lately is trusted from memory (``hub.core.restapi.keys.KeyBook``); otherwise it
is looked up in a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from hub.core.restapi.keys import BOOK, ApiClient, Scope, grants
from hub.http.api.problems import ApiRefusal
from hub.http.api.services import ApiServices, services

log = logging.getLogger("hub.http")

bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="A key from `hub api-key create`, as `Authorization: Bearer KEY`.")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKey",
                              description="The same key, as `X-API-Key: KEY`.")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="crm-hub"'}


def _refuse(request: Request, status: int, reason: str) -> ApiRefusal:
    log.warning("refused %s %s: %s", request.method, request.url.path, reason)
    return ApiRefusal(status, reason, CHALLENGE if status == 401 else None, "unauthorized" if status == 401
                      else "forbidden")


def require(scope: Scope) -> Callable[..., Awaitable[ApiClient]]:
    """A dependency that lets a request through only with a key of ``scope`` or more."""

    async def check(request: Request, hub: Annotated[ApiServices, Depends(services)],
              bearer_credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
              header_key: Annotated[str | None, Security(api_key_header)]) -> ApiClient:
        key = bearer_credentials.credentials if bearer_credentials else header_key
        if not key:
            raise _refuse(request, 401, "missing API key (Authorization: Bearer KEY, or X-API-Key)")
        client = BOOK.remembered(key) or await run_in_threadpool(BOOK.client_of, hub.reader, key)
        if client is None:
            raise _refuse(request, 401, "unknown or revoked API key")
        if not grants(client.scope, scope):
            raise _refuse(request, 403, f"API key {client.key_id} has scope {client.scope}; this needs {scope}")
        return client

    return check


Reader = Annotated[ApiClient, Depends(require("read"))]
Writer = Annotated[ApiClient, Depends(require("write"))]
Admin = Annotated[ApiClient, Depends(require("admin"))]

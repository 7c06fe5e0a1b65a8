"""The REST API as the server mounts it: built on its first request.

FastAPI, the canonical model's schemas and the app's routes take the better part of a
second to import and build; every ``hub run`` and every test that starts a server would
pay it, whether or not anyone calls the API. The first request builds the app in a
worker thread (others arriving meanwhile wait for it) and every request after goes
straight to it.
"""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.core.errors import RequestRefused
from hub.core.runtime import HubRuntime


class LazyApi:
    """ASGI app that builds the REST API of ``runtime`` when first called."""

    def __init__(self, runtime: HubRuntime) -> None:
        self.runtime = runtime
        self._app: ASGIApp | None = None
        self._lock = asyncio.Lock()

    def _build(self) -> ASGIApp:
        from hub.http.api.app import serve_api

        return serve_api(self.runtime)

    async def app(self) -> ASGIApp:
        """The API app, built now if it was not yet."""
        if self._app is None:
            async with self._lock:
                if self._app is None:
                    self._app = await run_in_threadpool(self._build)
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (await self.app())(scope, receive, send)


def refusal_answer(refusal: RequestRefused, scope: Scope) -> Response:
    """The gate's refusals (413 before the body is read) as problem+json."""
    from hub.http.api.problems import problem

    path = scope.get("path")
    return problem(refusal.status, refusal.reason, path if isinstance(path, str) else None,
                   kind="body-too-large" if refusal.status == 413 else None, headers={"Connection": "close"})

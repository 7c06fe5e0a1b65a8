"""How long each request took, by plugin, declared route, method and status
(``hub_http_request_duration_seconds``): webhook and API latency as peers see it.

The route is the declared path (``/ecommerce/{shop}/webhooks``), never the path sent,
so a caller cannot make up new series.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.core.observe.metrics import record_request


class Timed:
    """ASGI wrapper that records each HTTP request's duration and status."""

    def __init__(self, app: ASGIApp, plugin: str, route: str) -> None:
        self.app = app
        self.plugin = plugin
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the app raises before it starts a response

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            record_request(self.plugin, self.route, scope["method"], status, time.perf_counter() - started)

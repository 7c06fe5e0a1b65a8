"""How long each request took, by plugin, declared route, method and status
(``hub_http_request_duration_seconds``): webhook and API latency as peers see it.

The route is the declared path (``/ecommerce/{shop}/webhooks``), never the path sent,
so a caller cannot make up new series. Under a mounted app (the REST API) it is the
mount's path and the declared path of the app's route that answered
(``/api/v1/partner/{ident}``), or the mount's path alone when none did.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.core.observe.metrics import record_request


class Timed:
    """ASGI wrapper that records each HTTP request's duration and status."""

    def __init__(self, app: ASGIApp, plugin: str, route: str, mounted: bool = False) -> None:
        self.app = app
        self.plugin = plugin
        self.route = route
        self.mounted = mounted

    def _route(self, scope: Scope, outer: object) -> str:
        """The declared route of a request that has been answered; ``outer`` is the
        route the server had matched before the mounted app ran (the mount itself)."""
        answered = scope.get("route")
        inner = getattr(answered, "path_format", None) if self.mounted and answered is not outer else None
        return self.route + inner if isinstance(inner, str) else self.route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        outer = scope.get("route")
        status = 500  # what the server answers if the app raises before it starts a response

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            elapsed = time.perf_counter() - started
            record_request(self.plugin, self._route(scope, outer), scope["method"], status, elapsed)

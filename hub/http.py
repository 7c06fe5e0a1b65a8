"""The hub's one HTTP server: plugin endpoints (IDoc-XML port, webhooks, POS API) plus
``/health``, all behind one authentication.

Starlette + uvicorn: a small, well-kept ASGI stack; endpoints that touch the database
run in Starlette's thread pool, so a slow commit never blocks the event loop.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from hub.core.runtime import HubRuntime
from hub.core.settings import HttpSettings

PUBLIC_PATHS = frozenset({"/health"})


def _authorised(request: Request, settings: HttpSettings) -> bool:
    if settings.username is None or request.url.path in PUBLIC_PATHS:
        return True
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    expected = settings.password.get_secret_value() if settings.password else ""
    return secrets.compare_digest(user, settings.username) and secrets.compare_digest(password, expected)


class BasicAuth(BaseHTTPMiddleware):
    """Refuses every request without the configured credentials (except ``/health``)."""

    def __init__(self, app: ASGIApp, settings: HttpSettings) -> None:
        super().__init__(app)
        self.settings = settings

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if not _authorised(request, self.settings):
            return PlainTextResponse("authentication required", status_code=401,
                                     headers={"WWW-Authenticate": 'Basic realm="crm-hub"'})
        return await call_next(request)


def build_app(runtime: HubRuntime) -> Starlette:
    """The ASGI app of ``runtime``: core endpoints and every plugin route."""

    async def health(request: Request) -> Response:
        try:
            with runtime.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as exc:
            return JSONResponse({"status": "down", "database": type(exc).__name__}, status_code=503)
        return JSONResponse({"status": "ok", "plugins": runtime.plugins.names})

    routes = [Route("/health", health, methods=["GET"])]
    routes += [Route(spec.path, spec.handler, methods=list(spec.methods)) for _, spec in runtime.plugins.routes()]
    app = Starlette(routes=routes, middleware=[Middleware(BasicAuth, settings=runtime.settings.http)])
    app.state.runtime = runtime
    return app


@dataclass
class RunningServer:
    """A server started by ``serve``: where it listens and how to stop it."""

    server: uvicorn.Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8480."""
        sock = self.server.servers[0].sockets[0]
        host, port = sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Finish requests in flight and stop."""
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(runtime: HubRuntime, port: int | None = None, timeout: float = 10.0) -> RunningServer:
    """Start the HTTP server in a background thread and wait until it listens."""
    settings = runtime.settings.http
    config = uvicorn.Config(build_app(runtime), host=settings.host,
                            port=settings.port if port is None else port,
                            log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="hub-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"HTTP server did not start on {settings.host}:{config.port}")
        time.sleep(0.01)
    return RunningServer(server, thread)

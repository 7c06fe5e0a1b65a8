"""The hub's one HTTP server: plugin endpoints (IDoc-XML port, webhooks, POS API) plus
``/health``, ``/ready`` and ``/metrics`` (``hub.http.ops``), each behind the
authentication and body limit it declares, each timed (``hub.http.timing``).

Starlette + uvicorn: a small, well-kept ASGI stack; endpoints that touch the database
run in Starlette's thread pool, so a slow commit never blocks the event loop. Every
route, the hub's own included, is a ``RouteSpec`` and passes through a ``RouteGate``;
there is no server-wide rule with exceptions to forget.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route, request_response

from hub.core.plugins.authentication import PUBLIC, ApiKey, Basic, Public, Verify
from hub.core.plugins.registry import RouteSpec
from hub.core.runtime import HubRuntime
from hub.core.settings import HttpSettings
from hub.http.gate import RouteGate
from hub.http.ops import SchedulerRole, no_scheduler, ops_routes
from hub.http.policy import BasicCredentials, RoutePolicy
from hub.http.timing import Timed

log = logging.getLogger("hub.http")


def hub_routes(runtime: HubRuntime, role: SchedulerRole | None = None) -> list[RouteSpec]:
    """Every route the server serves: the hub's own, then each plugin's."""
    return [spec for _, spec in plugin_routes(runtime, role)]


def plugin_routes(runtime: HubRuntime, role: SchedulerRole | None = None) -> list[tuple[str, RouteSpec]]:
    """(plugin, route) for every route, the hub's own under ``hub``; ``role`` says what
    ``/metrics`` reports about the scheduler (none runs here by default)."""
    own = ops_routes(runtime, role or no_scheduler())
    return [("hub", spec) for spec in own] + runtime.plugins.routes()


def basic_credentials(settings: HttpSettings) -> BasicCredentials | None:
    """The hub's Basic-auth credentials, None when ``[http] username`` is not set."""
    if settings.username is None:
        return None
    password = settings.password.get_secret_value() if settings.password else ""
    return BasicCredentials(settings.username, password)


def route_policy(spec: RouteSpec, settings: HttpSettings, plugin: str = "hub") -> RoutePolicy:
    """What the gate enforces for ``spec`` (registered by ``plugin``) under ``settings``."""
    limit = settings.max_body_bytes if spec.max_body_bytes is None else spec.max_body_bytes
    return RoutePolicy(spec.auth, limit, basic_credentials(settings), plugin)


def build_app(runtime: HubRuntime, role: SchedulerRole | None = None) -> Starlette:
    """The ASGI app of ``runtime``: core endpoints and every plugin route, each gated and timed."""
    settings = runtime.settings.http
    routes: list[BaseRoute] = [
        Route(spec.path, Timed(RouteGate(request_response(spec.handler), route_policy(spec, settings, plugin)),
                               plugin, spec.path),
              methods=list(spec.methods))
        for plugin, spec in plugin_routes(runtime, role)]
    routes.append(rest_api(runtime))
    app = Starlette(routes=routes)
    app.state.runtime = runtime
    return app


def rest_api(runtime: HubRuntime) -> Mount:
    """The canonical REST API at ``/api/v1``: the gate holds its bodies to the API's limit
    and answers its refusals as problem+json; the API checks keys and scopes per endpoint
    (its auth is the app's own, so the gate asks no credentials: ``PUBLIC`` here). The
    app is built on the first request (``hub.http.api.lazy``): a server that is never
    asked for it does not pay for FastAPI and its schemas."""
    from hub.http.api import MAX_BODY_BYTES, PREFIX
    from hub.http.api.lazy import LazyApi, refusal_answer

    policy = RoutePolicy(PUBLIC, MAX_BODY_BYTES, None)
    return Mount(PREFIX, app=Timed(RouteGate(LazyApi(runtime), policy, refusal_answer), "hub", PREFIX,
                                   mounted=True))


def log_routes(url: str, specs: list[RouteSpec], settings: HttpSettings) -> None:
    """Say where the server listens and who may call what, so an open hub is noticed."""
    log.info("listening on %s", url)

    def named(kind: type) -> list[str]:
        return [f"{'/'.join(spec.methods)} {spec.path}" for spec in specs if isinstance(spec.auth, kind)]

    basic = named(Basic)
    if basic and settings.username is None:
        log.warning("authentication OFF: no [http] username/password set; %s open to anyone: %s",
                    _routes(basic), ", ".join(basic))
    elif basic:
        log.info("basic auth on for %s: %s", _routes(basic), ", ".join(basic))
    for kind, what in ((ApiKey, "API key"), (Verify, "signature checked")):
        if routes := named(kind):
            log.info("%s for %s: %s", what, _routes(routes), ", ".join(routes))
    log.info("public routes: %s", ", ".join(named(Public)) or "none")
    log.info("REST API at /api/v1 (API keys with scopes, `hub api-key create`); described at"
             " /api/v1/openapi.json, browsable at /api/v1/docs")


def _routes(names: list[str]) -> str:
    return f"{len(names)} route" if len(names) == 1 else f"{len(names)} routes"


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


def serve(runtime: HubRuntime, port: int | None = None, timeout: float = 10.0,
          role: SchedulerRole | None = None) -> RunningServer:
    """Start the HTTP server in a background thread and wait until it listens; logs
    where, and which routes are public, which authenticated and how. ``role`` tells
    ``/metrics`` whether this process leads the scheduler."""
    settings = runtime.settings.http
    config = uvicorn.Config(build_app(runtime, role), host=settings.host,
                            port=settings.port if port is None else port,
                            log_level="warning", lifespan="off",
                            log_config=None)  # uvicorn's lines go through the hub's handler (text or JSON)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="hub-http", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"HTTP server did not start on {settings.host}:{config.port}")
        time.sleep(0.01)
    running = RunningServer(server, thread)
    log_routes(running.url, hub_routes(runtime, role), settings)
    return running

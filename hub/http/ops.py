"""The operators' endpoints: ``/health`` (alive), ``/ready`` (able to work), ``/metrics``.

Who may call what (docs/security.md): ``/health`` and ``/ready`` are public, because
load balancers and orchestrators probe them without credentials, and they say nothing
but a status and plugin names. ``/metrics`` takes the hub's Basic auth: its series
name the systems the hub talks to and how much business flows to each, which is not
for anyone who reaches the port (Prometheus sends Basic credentials with
``basic_auth`` in its scrape config).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.core.observe.gauges import DatabaseCollector, LeaderCollector
from hub.core.observe.metrics import add_process_samples
from hub.core.plugins.authentication import BASIC, PUBLIC
from hub.core.plugins.registry import RouteSpec
from hub.core.queue.messages import utcnow
from hub.core.runtime import HubRuntime
from hub.core.store import migrate


@dataclass(frozen=True)
class SchedulerRole:
    """What ``/metrics`` says about this process and the scheduler: its name, and
    whether it leads now (a process started without a scheduler never does)."""

    process: str
    leads: Callable[[], bool]


def no_scheduler() -> SchedulerRole:
    """The role of a process that runs no scheduler (``hub run --no-scheduler``, tests)."""
    return SchedulerRole(f"{socket.gethostname()}:{os.getpid()}", lambda: False)


def readiness(engine: sa.Engine) -> str | None:
    """Why the hub cannot work now (database unreachable, migrations not current), or None."""
    try:
        revision = migrate.current_revision(engine)
    except sa.exc.SQLAlchemyError as exc:
        return f"database unreachable ({type(exc).__name__})"
    if revision != migrate.head_revision():
        return f"database at migration {revision or 'none'}, this hub needs {migrate.head_revision()} (hub init)"
    return None


def render_metrics(runtime: HubRuntime, role: SchedulerRole) -> bytes:
    """The Prometheus text exposition of this process (and its worker processes), the
    database's gauges and the scheduler role."""
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    add_process_samples(registry)
    registry.register(DatabaseCollector(runtime.engine, runtime.plugins.names, utcnow))
    registry.register(LeaderCollector(role.process, role.leads))
    return generate_latest(registry)


def ops_routes(runtime: HubRuntime, role: SchedulerRole) -> list[RouteSpec]:
    """``/health``, ``/ready`` and ``/metrics`` of ``runtime``."""

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "plugins": runtime.plugins.names})

    async def ready(request: Request) -> Response:
        problem = await run_in_threadpool(readiness, runtime.engine)
        if problem is not None:
            return JSONResponse({"status": "not ready", "reason": problem}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def metrics(request: Request) -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        body = await run_in_threadpool(render_metrics, runtime, role)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return [
        RouteSpec("/health", health, ("GET",), "Liveness: the process answers", auth=PUBLIC),
        RouteSpec("/ready", ready, ("GET",), "Readiness: database reachable and migrations current", auth=PUBLIC),
        RouteSpec("/metrics", metrics, ("GET",), "Prometheus metrics", auth=BASIC),
    ]

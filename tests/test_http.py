"""The hub's HTTP server: health, authentication, plugin routes, on a real socket."""

from __future__ import annotations

import types
from collections.abc import Iterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from hub import hookimpl
from hub.core.plugins import RouteSpec
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.http import RunningServer, receive_payload, serve


async def echo(request: Request) -> PlainTextResponse:
    return PlainTextResponse((await receive_payload(request)).raw.decode().upper())


@hookimpl
def hub_register_routes(registry):  # type: ignore[no-untyped-def]
    registry.add_route(RouteSpec("/echo", echo))


@pytest.fixture
def server(sqlite_database_url: str) -> Iterator[RunningServer]:
    plugin = types.ModuleType("echo_plugin")
    plugin.hub_register_routes = hub_register_routes  # type: ignore[attr-defined]
    runtime = HubRuntime(
        HubSettings(database_url=sqlite_database_url, http={"port": 0, "username": "sap", "password": "s3cret"}),
        extra_plugins={"echo": plugin},
    )
    running = serve(runtime)
    yield running
    running.stop()
    runtime.close()


def test_health_is_public(server: RunningServer) -> None:
    answer = httpx.get(f"{server.url}/health")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def test_plugin_routes_need_the_credentials(server: RunningServer) -> None:
    assert httpx.post(f"{server.url}/echo", content=b"x").status_code == 401
    assert httpx.post(f"{server.url}/echo", content=b"x", auth=("sap", "wrong")).status_code == 401
    answer = httpx.post(f"{server.url}/echo", content=b"idoc", auth=("sap", "s3cret"))
    assert answer.status_code == 200 and answer.text == "IDOC"

"""A test plugin with one route per kind of authentication, and a hub serving it.

Imported explicitly by the tests under tests/http (no conftest). Every route answers
with what ``receive_payload`` handed it and counts the payloads it got, so a test sees
both what a handler received and that a refused request gave it nothing.
"""

from __future__ import annotations

import types
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub import hookimpl
from hub.core.plugins import PUBLIC, ApiKey, PluginRegistry, RouteSpec, Verify
from hub.core.runtime import HubRuntime
from hub.core.settings import HttpSettings, HubSettings
from hub.core.signatures import verify_hmac
from hub.http import RunningServer, receive_payload, serve
from hub.testing.databases import sqlite_url

USER, PASSWORD = "sap", "pässwörd-s3cret"
WEBHOOK_SECRET = "shop-secret"
STORE_KEYS = {"key-of-store-42": "store 42"}
SMALL = 10
BUILT_IN = ["contracts", "ecommerce", "erp_sap", "loyalty_pos"]

calls: Counter[str] = Counter()


def store_of(key: str) -> str | None:
    return STORE_KEYS.get(key)


def signed(body: bytes, headers: Mapping[str, str]) -> bool:
    return verify_hmac(body, headers.get("X-Signature"), WEBHOOK_SECRET)


async def answer(request: Request) -> Response:
    payload = await receive_payload(request)
    calls[request.url.path] += 1
    return JSONResponse({"body": payload.raw.decode(), "source": payload.source, "principal": payload.principal})


ROUTES = [
    RouteSpec("/open", answer, ("POST",), auth=PUBLIC),
    RouteSpec("/erp", answer),
    RouteSpec("/till", answer, auth=ApiKey(store_of)),
    RouteSpec("/hook", answer, auth=Verify(signed)),
    RouteSpec("/small", answer, max_body_bytes=SMALL),
    RouteSpec("/small-hook", answer, auth=Verify(signed), max_body_bytes=SMALL),
    RouteSpec("/shops/{shop}", answer),
]


@hookimpl
def hub_register_routes(registry: PluginRegistry) -> None:
    for route in ROUTES:
        registry.add_route(route)


@contextmanager
def gated_hub(tmp_path: Path, **http: Any) -> Iterator[RunningServer]:
    """A hub on a SQLite file serving ROUTES and no built-in plugin's; ``http`` is its
    ``[http]`` table (port 0)."""
    plugin = types.ModuleType("gated_routes_plugin")
    plugin.hub_register_routes = hub_register_routes  # type: ignore[attr-defined]
    settings = HubSettings(database_url=sqlite_url(tmp_path), disabled_plugins=BUILT_IN,
                           http=HttpSettings(**{"port": 0, **http}))
    runtime = HubRuntime(settings, extra_plugins={"gated": plugin})
    running = serve(runtime)
    try:
        yield running
    finally:
        running.stop()
        runtime.close()

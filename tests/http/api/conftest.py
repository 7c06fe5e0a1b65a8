"""A live hub serving the REST API on 127.0.0.1 (real uvicorn, the real database on
each backend in turn), with one key of each scope."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_api import LiveApi

from hub.core.restapi.keys import SCOPES, create_key
from hub.core.runtime import HubRuntime
from hub.http import serve


@pytest.fixture
def live_api(hub_runtime: HubRuntime) -> Iterator[LiveApi]:
    server = serve(hub_runtime, port=0)
    try:
        keys = {scope: create_key(hub_runtime.engine, scope, f"test {scope}").key for scope in SCOPES}
        yield LiveApi(f"{server.url}/api/v1", hub_runtime, keys)
    finally:
        server.stop()

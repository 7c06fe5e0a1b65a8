"""What the REST API's endpoints work with, built once from the runtime at the edge
(the server) and handed to them through the app's state: no runtime in the core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

import sqlalchemy as sa
from fastapi import Request

from hub.core.plugins.contracts import WriteRule
from hub.core.restapi.writes import ApiWrites
from hub.core.runtime import HubRuntime
from hub.core.store.db import read_only


@dataclass
class ApiServices:
    """The database for reads and writes, and the writes through master data."""

    runtime: HubRuntime

    @cached_property
    def engine(self) -> sa.Engine:
        """The hub's engine, schema checked once."""
        return self.runtime.schema_engine

    @cached_property
    def reader(self) -> sa.Engine:
        """The engine for reads: no write lock on SQLite."""
        return read_only(self.engine)

    @property
    def settle(self) -> timedelta:
        """How old a change must be to be listed (``[http] api_settle_seconds``)."""
        return timedelta(seconds=self.runtime.settings.http.api_settle_seconds)

    @property
    def key_cache_seconds(self) -> float:
        """How long a key read genuine is trusted (``[http] api_key_cache_seconds``)."""
        return self.runtime.settings.http.api_key_cache_seconds

    @cached_property
    def writes(self) -> ApiWrites:
        """Creates and updates through the master-data service and the outbox, with the
        plugins' rules over updates (``hub_register_write_rules``)."""
        rules: dict[str, list[tuple[str, WriteRule]]] = {}
        for plugin, spec in self.runtime.plugins.write_rules():
            rules.setdefault(spec.doc_type, []).append((plugin, spec.rule(self.runtime.plugin_context(plugin))))
        return ApiWrites(self.engine, self.runtime.shared_masterdata, rules)


async def services(request: Request) -> ApiServices:
    """The services of the API app serving ``request`` (a FastAPI dependency; async, so
    FastAPI does not hand it to a worker thread)."""
    found = request.app.state.services
    assert isinstance(found, ApiServices), "the API app is built by hub.http.api.build_api"
    return found

"""Pytest fixtures for hub and plugin tests (registered through the ``pytest11`` entry point)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate
from hub.core.store.db import create_engine
from hub.testing.databases import postgres_schema, postgres_server_url, sqlite_url
from hub.testing.peer import RecordingPeer

__all__ = ["database_url", "hub_engine", "hub_runtime", "hub_settings", "postgres_database_url", "recording_peer",
           "sqlite_database_url"]

@pytest.fixture
def sqlite_database_url(tmp_path: Path) -> str:
    """A URL of a new SQLite file (not yet migrated)."""
    return sqlite_url(tmp_path)


@pytest.fixture
def postgres_database_url() -> Iterator[str]:
    """A URL of a new, empty PostgreSQL schema; skips without HUB_TEST_POSTGRES_URL."""
    server = postgres_server_url()
    if server is None:
        pytest.skip("HUB_TEST_POSTGRES_URL is not set")
    with postgres_schema(server) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database on each backend in turn."""
    name = "sqlite_database_url" if request.param == "sqlite" else "postgres_database_url"
    return request.getfixturevalue(name)


@pytest.fixture
def hub_engine(database_url: str) -> Iterator[sa.Engine]:
    """A migrated, empty hub database on each backend in turn."""
    engine = create_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def hub_settings(database_url: str, tmp_path: Path) -> HubSettings:
    """Settings of an isolated hub on each backend in turn."""
    return HubSettings(database_url=database_url, mappings_dir=tmp_path / "mappings")


@pytest.fixture
def hub_runtime(hub_settings: HubSettings) -> Iterator[HubRuntime]:
    """An isolated hub with a migrated database, on each backend in turn."""
    runtime = HubRuntime(hub_settings)
    migrate.upgrade(runtime.engine)
    yield runtime
    runtime.close()


@pytest.fixture
def recording_peer() -> Iterator[RecordingPeer]:
    """A running ``RecordingPeer`` on 127.0.0.1: answers an empty 200 until scripted."""
    with RecordingPeer() as peer:
        yield peer

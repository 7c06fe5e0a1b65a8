"""Fixtures of the queue tests: an isolated hub on SQLite and, when
HUB_TEST_POSTGRES_URL is set, on PostgreSQL (in a schema of its own, dropped after)."""

from __future__ import annotations

import os
import types
import uuid
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from hub import hookimpl
from hub.core.plugins import TransportSpec
from hub.core.queue.messages import DeliveryResult, OutboundMessage
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate

PEER = "peer"
FAST_RETRY = {"max_attempts": 3, "multiplier": 0.001, "min_wait": 0.0, "max_wait": 0.01}


class ScriptedPeer:
    """A transport that records what it is sent and answers from a script.

    ``script[hub_id]`` is a list of answers used one per delivery of that object:
    an exception to raise or a DeliveryResult to return; when empty, success.
    """

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []
        self.script: dict[str, list[Any]] = {}
        self.while_sending: Callable[[OutboundMessage], None] | None = None
        """Called with each message before it is answered: what else happens meanwhile."""

    def send(self, message: OutboundMessage) -> DeliveryResult | None:
        self.sent.append(message)
        if self.while_sending is not None:
            self.while_sending(message)
        answers = self.script.get(message.hub_id)
        if answers:
            answer = answers.pop(0)
            if isinstance(answer, BaseException):
                raise answer
            return answer
        return None

    def keys(self) -> list[str]:
        return [m.idempotency_key for m in self.sent]


def peer_plugin(peer: ScriptedPeer, doc_types: tuple[str, ...] = ("partner", "sales_order")) -> types.ModuleType:
    plugin = types.ModuleType("queue_test_peer")

    @hookimpl
    def hub_register_transports(registry: Any) -> None:
        registry.add_transport(TransportSpec("out", lambda context: peer, doc_types))

    plugin.hub_register_transports = hub_register_transports  # type: ignore[attr-defined]
    return plugin


def entry_point_plugins() -> list[str]:
    return [ep.name for ep in metadata.entry_points(group="crm_hub.plugins")]


def postgres_url() -> str | None:
    return os.environ.get("HUB_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A fresh, migrated database URL on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.db'}"
        yield url
        return
    base = postgres_url()
    if not base:
        pytest.skip("HUB_TEST_POSTGRES_URL is not set")
    schema = f"qtest_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


def make_runtime(url: str, peer: ScriptedPeer, **queue: Any) -> HubRuntime:
    settings = HubSettings(
        database_url=url, disabled_plugins=entry_point_plugins(),
        queue={"retry": FAST_RETRY, **queue},
    )
    return HubRuntime(settings, extra_plugins={PEER: peer_plugin(peer)})


@pytest.fixture
def peer() -> ScriptedPeer:
    return ScriptedPeer()


def migrated_runtime(url: str, peer: ScriptedPeer) -> Iterator[HubRuntime]:
    """A migrated hub on ``url`` whose only plugin is the scripted ``peer`` transport, closed after."""
    rt = make_runtime(url, peer)
    migrate.upgrade(rt.engine)
    yield rt
    rt.close()


@pytest.fixture
def runtime(database_url: str, peer: ScriptedPeer) -> Iterator[HubRuntime]:
    """A migrated hub whose only plugin is the scripted ``peer`` transport."""
    yield from migrated_runtime(database_url, peer)

"""The inbox: a payload accepted and answered at once is posted moments later, through
the same pipeline, and nothing is lost or posted twice on the way."""

from __future__ import annotations

import sqlite3
import threading
import time
import types
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from hub import hookimpl
from hub.api import CodecSpec, InboundSpec, PluginRegistry, PluginTransaction, RawDocument, RouteSpec, accept_payload
from hub.core.errors import DocumentError
from hub.core.inbound.inbox import PASS_SECONDS, InboxPass, InboxPoster, post_waiting
from hub.core.inbound.pipeline import Ingestor
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import archive, migrate
from hub.core.store.inbox import waiting
from hub.http import serve

PEER = "pinger"
handled: list[str] = []


def _parse(payload: bytes, source: str) -> Iterator[RawDocument]:
    if not payload.startswith(b"PING:"):
        raise DocumentError(source, "(payload)", "not a ping")
    for number in payload[5:].decode().split(","):
        yield RawDocument(PEER, "PING", number, "json", {"n": number}, source=source,
                          payload=f"PING:{number}".encode(), dedupe_key=f"PING:{number}")


def _handle(transaction: PluginTransaction, raw: RawDocument) -> str:
    if raw.document_id == "boom":
        raise sa.exc.OperationalError("INSERT", {}, Exception("the database went away"))
    if raw.document_id == "bug":
        raise RuntimeError("a bug in the handler")
    handled.append(raw.document_id)
    return "pong"


def _plugin() -> types.ModuleType:
    plugin = types.ModuleType("pinger")

    @hookimpl
    def hub_register_codecs(registry: PluginRegistry) -> None:
        registry.add_codec(CodecSpec("pings", _parse, accepts=lambda head, name: True))

    @hookimpl
    def hub_register_inbound(registry: PluginRegistry) -> None:
        registry.add_inbound(InboundSpec({"PING": lambda context: _handle}))

    @hookimpl
    def hub_register_routes(registry: PluginRegistry) -> None:
        registry.add_route(RouteSpec("/pinger/in", accept_payload))

    for hook in (hub_register_codecs, hub_register_inbound, hub_register_routes):
        setattr(plugin, hook.__name__, hook)
    return plugin


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[HubRuntime]:
    handled.clear()
    installed = [ep.name for ep in metadata.entry_points(group="crm_hub.plugins")]
    hub = HubRuntime(HubSettings(database_url=database_url, mappings_dir=tmp_path / "mappings",
                                 disabled_plugins=installed, http={"port": 0}), extra_plugins={PEER: _plugin()})
    migrate.upgrade(hub.engine)
    yield hub
    hub.close()


def _statuses(runtime: HubRuntime) -> list[tuple[str, str]]:
    with runtime.engine.connect() as conn:
        rows = conn.execute(sa.select(archive.inbound.c.document_kind, archive.inbound.c.status)
                            .order_by(archive.inbound.c.id))
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _waiting(runtime: HubRuntime) -> int:
    with runtime.engine.connect() as conn:
        return waiting(conn)


@pytest.fixture
def unhurried(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pass with time for every payload: on a loaded machine one payload can take longer
    than ``PASS_SECONDS``, and a test about order or outcomes must not depend on that."""
    monkeypatch.setattr("hub.core.inbound.inbox.PASS_SECONDS", 60.0)


@pytest.mark.usefixtures("unhurried")
def test_accepted_payloads_are_posted_oldest_first_and_leave_the_inbox(runtime: HubRuntime) -> None:
    context = runtime.plugin_context(PEER)
    context.accept(b"PING:1,2", "test")
    context.accept(b"PING:2,3", "test")  # 2 again: a redelivery
    assert _waiting(runtime) == 2 and handled == []
    done = post_waiting(runtime.engine, runtime.shared_ingestor)
    assert done.payloads == 2 and [o.status for o in done.outcomes] == ["posted", "posted", "duplicate", "posted"]
    assert handled == ["1", "2", "3"] and _waiting(runtime) == 0


def test_the_ingestor_is_had_before_the_pass_takes_the_write_lock(runtime: HubRuntime) -> None:
    """Making an ingestor takes connections of its own: asked for inside the pass's write
    transaction, a burst of webhooks holding the rest of the pool while they wait for the
    lock stalled a hub for the pool's 30 s timeout (seen in bench/shop.py)."""
    runtime.plugin_context(PEER).accept(b"PING:1", "test")
    asked: list[str] = []

    def ingestor_of(system: str) -> Ingestor:
        asked.append(system)
        if runtime.engine.dialect.name == "sqlite":
            probe = sqlite3.connect(runtime.engine.url.database or "", timeout=0)
            try:
                probe.execute("BEGIN IMMEDIATE")  # raises "database is locked" inside the pass
                probe.rollback()
            finally:
                probe.close()
        return runtime.shared_ingestor(system)

    done = post_waiting(runtime.engine, ingestor_of)
    assert done.payloads == 1 and asked == [PEER] and handled == ["1"]


def test_a_pass_commits_when_its_time_is_up_and_leaves_the_rest_waiting(
        runtime: HubRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    context = runtime.plugin_context(PEER)
    for number in range(3):
        context.accept(f"PING:{number}".encode(), "test")
    monkeypatch.setattr("hub.core.inbound.inbox.PASS_SECONDS", 0.0)
    done = post_waiting(runtime.engine, runtime.shared_ingestor)
    assert done.payloads == 1 and handled == ["0"] and _waiting(runtime) == 2


@pytest.mark.usefixtures("unhurried")
def test_an_unreadable_payload_is_kept_as_failed_with_the_reason(runtime: HubRuntime) -> None:
    runtime.plugin_context(PEER).accept(b"garbage", "test")
    runtime.plugin_context(PEER).accept(b"PING:4", "test")
    done = post_waiting(runtime.engine, runtime.shared_ingestor)
    assert (done.payloads, done.unreadable) == (2, 1)
    assert _statuses(runtime) == [("(unreadable)", "failed"), ("PING", "posted")]
    with runtime.engine.connect() as conn:
        kept = archive.load_payload(conn, 1)
    assert kept.payload == b"garbage" and "not a ping" in (kept.error or "")


def test_payloads_post_together_and_a_bug_in_one_holds_up_no_other(runtime: HubRuntime) -> None:
    """A pass posts its payloads as one chunk; when that raises, it posts them one by one,
    so only the payload with the bug is kept as failed, and its neighbours post."""
    context = runtime.plugin_context(PEER)
    for body in (b"PING:1", b"PING:bug", b"PING:2"):
        context.accept(body, "test")
    done = post_waiting(runtime.engine, runtime.shared_ingestor, first_group=3)
    assert (done.payloads, done.unreadable) == (3, 1) and _waiting(runtime) == 0
    assert handled == ["1", "1", "2"], "the chunk's attempt (rolled back), then one by one"
    assert [status for _, status in _statuses(runtime)] == ["posted", "failed", "posted"]
    with runtime.engine.connect() as conn:
        kept = archive.load_payload(conn, 2)
    assert kept.payload == b"PING:bug" and "RuntimeError: a bug in the handler" in (kept.error or "")


def test_the_next_pass_starts_with_a_group_of_the_size_the_pace_allows() -> None:
    assert InboxPass(0, [], 0).first_group() == 1
    assert InboxPass(10, [], 0, seconds=PASS_SECONDS / 5).first_group() == 50
    assert InboxPass(1, [], 0, seconds=PASS_SECONDS * 4).first_group() == 1


@pytest.mark.usefixtures("unhurried")
def test_a_pass_that_fails_leaves_every_payload_waiting(runtime: HubRuntime) -> None:
    runtime.plugin_context(PEER).accept(b"PING:5", "test")
    runtime.plugin_context(PEER).accept(b"PING:boom", "test")
    with pytest.raises(sa.exc.OperationalError):
        post_waiting(runtime.engine, runtime.shared_ingestor)
    assert _waiting(runtime) == 2 and _statuses(runtime) == []


def test_a_route_answers_at_once_and_the_poster_posts_soon_after(runtime: HubRuntime) -> None:
    server = serve(runtime)
    stop = threading.Event()
    poster = InboxPoster(runtime.engine, runtime.shared_ingestor, stop)
    try:
        answer = httpx.post(f"{server.url}/pinger/in", content=b"PING:7", timeout=5)
        assert answer.status_code == 202 and answer.json() == {"accepted": 1}
        poster.start()
        deadline = time.monotonic() + 10
        while _waiting(runtime) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert handled == ["7"] and _waiting(runtime) == 0
    finally:
        stop.set()
        poster.join()
        server.stop()

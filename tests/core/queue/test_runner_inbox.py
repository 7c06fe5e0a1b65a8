"""``run_processes`` with the inbox: a process of its own posts what the routes accepted,
beside the worker processes, and drains on SIGTERM like them."""

from __future__ import annotations

import threading
import time

import inbox_peer
import pytest
import sqlalchemy as sa
from conftest import entry_point_plugins

from hub.core.queue.runner import run_processes
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import archive, migrate
from hub.core.store.inbox import waiting


@pytest.mark.slow
def test_the_inbox_process_posts_accepted_payloads_and_drains(database_url, tmp_path):
    posted = str(tmp_path / "posted.log")
    settings = HubSettings(database_url=database_url, disabled_plugins=entry_point_plugins(),
                           plugins={inbox_peer.SYSTEM: {"path": posted}})
    runtime = HubRuntime(settings, extra_plugins={inbox_peer.SYSTEM: inbox_peer})
    migrate.upgrade(runtime.engine)
    context = runtime.plugin_context(inbox_peer.SYSTEM)
    for body in (b"PING:1,2", b"garbage", b"PING:3"):
        context.accept(body, "test")
    stop = threading.Event()
    result: list[list[int | None]] = []
    runner = threading.Thread(target=lambda: result.append(
        run_processes(settings, 1, stop, {inbox_peer.SYSTEM: "inbox_peer"}, post_inbox=True)))
    runner.start()
    try:
        deadline = time.monotonic() + 60
        while len(inbox_peer.read_posted(posted)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()  # SIGTERM to the worker and to the inbox process, then wait for both
        runner.join(timeout=60)
    assert result == [[0, 0]], "the worker's exit code, then the inbox process's"
    assert inbox_peer.read_posted(posted) == ["1", "2", "3"]
    with runtime.engine.connect() as conn:
        assert waiting(conn) == 0
        kept = conn.execute(sa.select(archive.inbound.c.document_kind, archive.inbound.c.status)
                            .order_by(archive.inbound.c.id)).all()
    assert sorted(tuple(row) for row in kept) == [("(unreadable)", "failed"), ("PING", "posted"),
                                                  ("PING", "posted"), ("PING", "posted")]
    runtime.close()

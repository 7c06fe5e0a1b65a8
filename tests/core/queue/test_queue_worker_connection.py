"""A running worker on PostgreSQL keeps one connection for its loop (no pool check-out,
and so no ping, per transaction), and gets a new one when the database drops it."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from conftest import make_runtime

from hub.core.queue import NewMessage, Worker, enqueue
from hub.core.queue.tables import messages
from hub.core.store import migrate

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


def put(engine: sa.Engine, first: int, count: int) -> None:
    with engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", f"peer:partner:Q{i % 5}", "upsert", "partner", f"Q{i % 5}", i, {"i": i})
                       for i in range(first, first + count)])


def wait_delivered(engine: sa.Engine, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    statement = sa.select(sa.func.count()).where(messages.c.status == "delivered")
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(statement).scalar_one() == count:
                return
        time.sleep(0.05)
    raise AssertionError(f"not all {count} messages delivered within {timeout} s")


def test_a_running_worker_holds_one_connection_and_replaces_a_dropped_one(database_url, peer):
    runtime = make_runtime(database_url, peer, batch_size=4, per_queue_batch=2)
    migrate.upgrade(runtime.engine)
    # The test's own reads and writes go through an engine of their own: every check-out
    # from the runtime's pool is then the worker's.
    mine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    checked_out: list[int] = []
    sa.event.listen(runtime.engine, "checkout",
                    lambda dbapi, _record, _proxy: checked_out.append(dbapi.info.backend_pid))
    worker = Worker(runtime, name="held")
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        put(mine, 1, 20)
        wait_delivered(mine, 20)
        assert worker.stats.batches >= 5  # 20 messages in batches of 4: many transactions...
        assert len(checked_out) == 1  # ...on one connection, checked out once
        with mine.begin() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": checked_out[0]}).scalar_one()
        put(mine, 21, 10)
        wait_delivered(mine, 30)
        assert worker.stats.database_errors == 1
        assert len(checked_out) == 2 and checked_out[1] != checked_out[0]
        assert [m.version for m in peer.sent if m.hub_id == "Q0"] == list(range(5, 31, 5))
    finally:
        worker.stop.set()
        thread.join(timeout=30)
        runtime.close()
        mine.dispose()
    assert not thread.is_alive()

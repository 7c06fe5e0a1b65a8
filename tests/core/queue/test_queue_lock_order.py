"""A worker recording an id its peer assigned, while an inbound posting links that same
id and enqueues to the worker's queue (the ERP's confirmation overtaking the record):
on PostgreSQL the two take their row locks in one order and both commit. Made to
happen deterministically: the posting holds its link uncommitted until the worker's
record is seen waiting on it in ``pg_stat_activity``; only then does the posting
enqueue. With the queue rows locked before the key map (the old order), the posting's
enqueue deadlocked and PostgreSQL aborted one of the two.

And the rule that says which database errors mean "run the transaction again",
against a real deadlock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from conftest import ScriptedPeer, migrated_runtime

from hub.core.queue import NewMessage, enqueue
from hub.core.queue.claim import claim, record
from hub.core.queue.deliver import Deliverer
from hub.core.queue.messages import DeliveryResult, utcnow
from hub.core.queue.tables import messages, queues
from hub.core.runtime import HubRuntime
from hub.core.store import keymap
from hub.core.store.races import aborted_for_another, lost_race

QUEUE = "peer:sales_order:SO1"


@pytest.fixture
def pg_runtime(postgres_database_url: str, peer: ScriptedPeer) -> Iterator[HubRuntime]:
    yield from migrated_runtime(postgres_database_url, peer)


def _backend_pid(conn: sa.Connection) -> int:
    return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _wait_until_blocked(engine: sa.Engine, pid: int, alive: Callable[[], bool], timeout: float = 20.0) -> None:
    """Until backend ``pid`` waits for a lock (or its thread ended: then the test fails on its result)."""
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline and alive():
            waiting = conn.execute(sa.text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                                   {"pid": pid}).scalar_one_or_none()
            conn.rollback()  # a fresh snapshot of pg_stat_activity next time
            if waiting == "Lock":
                return
            time.sleep(0.02)
    assert not alive(), f"backend {pid} never waited for a lock"


def test_a_record_and_a_posting_linking_the_same_number_both_commit(pg_runtime: HubRuntime,
                                                                     peer: ScriptedPeer) -> None:
    engine = pg_runtime.engine
    with engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", QUEUE, "upsert", "sales_order", "SO1", 1, {"v": 1})])
    peer.script["SO1"] = [DeliveryResult(external_ids=("4711",))]
    with engine.begin() as conn:
        [claimed] = claim(conn, "w1", utcnow(), 60, 10, 10)
    outcome = Deliverer(pg_runtime, pg_runtime.settings.queue).deliver(claimed, {})
    assert [row["external_id"] for row in outcome.key_rows] == ["4711"]

    posting = engine.connect()
    transaction = posting.begin()
    keymap.link_new(posting, [(keymap.ExternalKey("peer", "sales_order", "4711"), "SO1")])  # the confirmation
    result: dict[str, object] = {}
    started = threading.Event()

    def record_batch() -> None:
        try:
            with engine.begin() as conn:
                result["pid"] = _backend_pid(conn)
                started.set()
                result["refused"] = record(conn, "w1", [outcome], utcnow())
        except sa.exc.DBAPIError as exc:  # reported by the assertions below
            result["error"] = exc
        finally:
            started.set()

    worker = threading.Thread(target=record_batch)
    worker.start()
    try:
        assert started.wait(10)
        assert "pid" in result, result.get("error")
        _wait_until_blocked(engine, int(result["pid"]), worker.is_alive)  # type: ignore[call-overload]
        # The posting goes on: its change goes to the queue the worker records.
        enqueue(posting, [NewMessage("peer", QUEUE, "upsert", "sales_order", "SO1", 2, {"v": 2})])
        transaction.commit()
    finally:
        if transaction.is_active:
            transaction.rollback()
        posting.close()
        worker.join(30)
    assert "error" not in result, result.get("error")
    assert result["refused"] == []
    with engine.connect() as conn:
        assert keymap.lookup(conn, "peer", "sales_order", "4711") == "SO1"
        state = conn.execute(sa.select(queues.c.done_seq, queues.c.last_seq).where(queues.c.name == QUEUE)).one()
        assert tuple(state) == (1, 2)
        assert conn.execute(sa.select(messages.c.seq, messages.c.status).where(messages.c.queue == QUEUE)
                            .order_by(messages.c.seq)).all() == [(1, "delivered"), (2, "queued")]


def test_a_deadlock_is_a_race_to_run_again(pg_runtime: HubRuntime) -> None:
    """Two transactions updating two rows in opposite orders: PostgreSQL aborts one,
    and that error is one to run the transaction again for; a plain error is not."""
    engine = pg_runtime.engine
    with engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", name, "upsert", "sales_order", name, 1, {}) for name in ("qa", "qb")])
    bump = queues.update().values(attempts=queues.c.attempts + 1)
    errors: list[sa.exc.DBAPIError] = []
    both_hold_one = threading.Barrier(2, timeout=10)

    def cross(first: str, second: str) -> None:
        try:
            with engine.begin() as conn:
                conn.execute(bump.where(queues.c.name == first))
                both_hold_one.wait()
                conn.execute(bump.where(queues.c.name == second))
        except sa.exc.DBAPIError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=cross, args=pair) for pair in (("qa", "qb"), ("qb", "qa"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    [deadlock] = errors
    assert aborted_for_another(deadlock) and lost_race(deadlock)
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as caught:
        conn.exec_driver_sql("SELECT 1/0")
    assert not lost_race(caught.value)

"""Delivery: order, retries with persisted attempts, blocking, key map, history."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from hub.core.errors import PermanentError, TransientError
from hub.core.queue import DeliveryResult, NewMessage, Worker, enqueue
from hub.core.queue.confirm import record_peer_answer
from hub.core.queue.messages import utcnow
from hub.core.queue.tables import messages, queues
from hub.core.store.tables import KeyMapRow

key_map = KeyMapRow.__table__


def put(runtime, hub_id: str, count: int, doc_type: str = "partner") -> None:
    with runtime.engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", f"peer:{doc_type}:{hub_id}", "upsert", doc_type, hub_id, v, {"v": v})
                       for v in range(1, count + 1)])


def rows(runtime, hub_id: str):
    with runtime.engine.connect() as conn:
        return conn.execute(sa.select(messages).where(messages.c.hub_id == hub_id).order_by(messages.c.seq)).all()


def queue_row(runtime, hub_id: str, doc_type: str = "partner"):
    with runtime.engine.connect() as conn:
        return conn.execute(sa.select(queues).where(queues.c.name == f"peer:{doc_type}:{hub_id}")).one()


def test_each_queue_is_delivered_in_order_and_once(runtime, peer):
    for hub_id in ("A", "B", "C"):
        put(runtime, hub_id, 7)
    Worker(runtime).run_until_idle()
    for hub_id in ("A", "B", "C"):
        assert [m.version for m in peer.sent if m.hub_id == hub_id] == list(range(1, 8))
    assert len(peer.keys()) == len(set(peer.keys())) == 21
    history = rows(runtime, "A")[0].history
    assert [h["status"] for h in history] == ["queued", "running", "delivered"]
    assert history[2]["attempt"] == 1 and history[2]["duration_ms"] >= 0
    assert queue_row(runtime, "A").done_seq == 7 and queue_row(runtime, "A").due_at is None


def test_transient_error_retries_the_same_message_and_nothing_behind_it(runtime, peer):
    peer.script["A"] = [TransientError("peer busy")]
    put(runtime, "A", 3)
    worker = Worker(runtime)
    worker.run_once()
    assert [m.version for m in peer.sent] == [1]
    first = rows(runtime, "A")[0]
    assert first.status == "retrying" and first.attempts == 1 and first.last_error == "TransientError: peer busy"
    assert first.next_attempt_at is not None
    assert queue_row(runtime, "A").due_at == first.next_attempt_at
    Worker(runtime).run_until_idle()  # a new worker (a restart) continues the count
    assert [(m.version, m.attempt) for m in peer.sent] == [(1, 1), (1, 2), (2, 1), (3, 1)]
    assert [h["status"] for h in rows(runtime, "A")[0].history] == [
        "queued", "running", "retrying", "running", "delivered"]


def test_retry_after_from_the_peer_is_honoured(runtime, peer):
    peer.script["A"] = [TransientError("rate limited", retry_after=120)]
    put(runtime, "A", 1)
    before = utcnow()
    Worker(runtime).run_until_idle()
    row = rows(runtime, "A")[0]
    assert row.status == "retrying"
    assert row.next_attempt_at >= before + timedelta(seconds=119)
    assert len(peer.sent) == 1  # not due yet


def test_permanent_error_blocks_only_its_queue(runtime, peer):
    peer.script["A"] = [PermanentError("customer 4711 is archived")]
    put(runtime, "A", 3)
    put(runtime, "B", 3)
    Worker(runtime).run_until_idle()
    assert [m.version for m in peer.sent if m.hub_id == "A"] == [1]
    assert [m.version for m in peer.sent if m.hub_id == "B"] == [1, 2, 3]
    blocked = queue_row(runtime, "A")
    assert blocked.blocked and blocked.due_at is None and blocked.done_seq == 0
    assert blocked.last_error == "PermanentError: customer 4711 is archived"
    assert [r.status for r in rows(runtime, "A")] == ["blocked", "queued", "queued"]
    put(runtime, "A", 1)  # more work for a blocked queue waits too
    Worker(runtime).run_until_idle()
    assert len([m for m in peer.sent if m.hub_id == "A"]) == 1


def test_exhausted_retries_block_with_the_count(runtime, peer):
    peer.script["A"] = [TransientError("down")] * 5
    put(runtime, "A", 2)
    worker = Worker(runtime)
    for _ in range(50):
        worker.run_once()
        if queue_row(runtime, "A").blocked:
            break
    first = rows(runtime, "A")[0]
    assert first.status == "blocked" and first.attempts == 3  # FAST_RETRY max_attempts
    assert "attempt 3 of 3, giving up" in first.last_error
    assert [m.version for m in peer.sent] == [1, 1, 1]


def test_unexpected_exception_is_transient_and_says_so(runtime, peer):
    peer.script["A"] = [KeyError("zip")]
    put(runtime, "A", 1)
    Worker(runtime).run_once()
    row = rows(runtime, "A")[0]
    assert row.status == "retrying"
    assert row.last_error == "unexpected KeyError: 'zip' (treated as transient)"


def test_peer_ids_go_to_the_key_map_and_reach_later_messages(runtime, peer):
    peer.script["A"] = [DeliveryResult(external_ids=("0000100001",), detail="created")]
    put(runtime, "A", 2)
    Worker(runtime).run_until_idle()
    assert [m.external_ids for m in peer.sent] == [(), ("0000100001",)]
    with runtime.engine.connect() as conn:
        assert conn.execute(sa.select(key_map.c.system, key_map.c.object_type, key_map.c.external_id,
                                      key_map.c.hub_id)).all() == [("peer", "partner", "0000100001", "A")]
    assert rows(runtime, "A")[0].history[-1]["detail"] == "created"


def test_confirmed_result_is_recorded(runtime, peer):
    peer.script["A"] = [DeliveryResult(confirmed=True)]
    put(runtime, "A", 1)
    Worker(runtime).run_until_idle()
    row = rows(runtime, "A")[0]
    assert row.status == "confirmed" and row.finished_at is not None


def test_message_without_transport_blocks_with_a_clear_error(runtime, peer):
    with runtime.engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", "peer:product:P", "upsert", "product", "P", 1, {})])
    Worker(runtime).run_until_idle()
    row = rows(runtime, "P")[0]
    assert row.status == "blocked"
    assert row.last_error == "NoTransportError: system 'peer' has no transport for document type 'product'"


def test_a_confirmation_that_overtakes_the_record_of_the_delivery_is_kept(runtime, peer):
    """The ERP answers an IDoc, then sends its ALEAUD at once: the confirmation can be
    posted while the worker is still between the delivery and its record of it."""
    put(runtime, "A", 2)

    def confirmed_meanwhile(message):
        if message.version == 1:
            with runtime.engine.begin() as conn:
                assert record_peer_answer(conn, message.id, True, "ALEAUD 53", utcnow())

    peer.while_sending = confirmed_meanwhile
    Worker(runtime).run_until_idle()
    assert [m.version for m in peer.sent] == [1, 2]
    first, second = rows(runtime, "A")
    assert (first.status, second.status) == ("confirmed", "delivered")
    assert [h["status"] for h in first.history] == ["queued", "confirmed", "running", "delivered"]

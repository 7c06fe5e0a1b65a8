"""Batching of the hot path: claim size by queue depth, history records written as
text, the refused-lease path of a batch record, and the clock's text forms."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from hub.core.queue import NewMessage, Worker, enqueue
from hub.core.queue.claim import ClaimedQueue, ClaimSize, claim, record
from hub.core.queue.clock import iso_utc, sqlite_utc, utc_datetime
from hub.core.queue.deliver import Deliverer
from hub.core.queue.messages import attempt_json, utcnow
from hub.core.queue.tables import messages


def put(runtime, queue_count: int, per_queue: int) -> None:
    with runtime.engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", f"peer:partner:Q{q}", "upsert", "partner", f"Q{q}", v, {"v": v})
                       for v in range(1, per_queue + 1) for q in range(queue_count)])


def queued(name: str, done_seq: int, last_seq: int) -> ClaimedQueue:
    return ClaimedQueue(name, 1, done_seq, utcnow(), last_seq=last_seq)


def test_claim_size_follows_the_depth_of_the_queues_found():
    size = ClaimSize(batch_size=2000, per_queue_batch=100)
    assert size.queues == 20  # narrow until a claim shows how deep the queues are
    size.observe([queued(f"q{i}", 0, 20) for i in range(1000)])
    assert size.queues == 100  # 20 messages a queue: 100 queues fill a batch
    size.observe([])
    assert size.queues == 100  # nothing claimed says nothing about depth
    size.observe([queued("deep", 0, 10_000)])
    assert size.queues == 20  # a queue gives at most per_queue_batch
    size.observe([queued(f"q{i}", 5, 6) for i in range(7)])
    assert size.queues == 2000
    assert ClaimSize(batch_size=50, per_queue_batch=100).queues == 1


def test_a_worker_takes_deep_queues_in_few_large_batches(runtime, peer):
    put(runtime, 40, 25)  # 1,000 messages
    worker = Worker(runtime, settings=runtime.settings.queue.model_copy(
        update={"batch_size": 100, "per_queue_batch": 50}))
    batches = worker.run_until_idle()
    assert worker.stats.delivered == 1000
    # First claim: 40 queues x 2 messages; then 4 queues x 25 each (per batch of 100).
    assert batches <= 1 + 10 + 1
    for q in range(40):
        assert [m.version for m in peer.sent if m.hub_id == f"Q{q}"] == list(range(1, 26))


def test_claim_reads_at_most_the_batch_in_all_and_in_order(runtime):
    put(runtime, 3, 10)
    with runtime.engine.begin() as conn:
        claimed = claim(conn, "w", utcnow(), 30, 12, 100, max_queues=3)
    assert sorted(len(q.messages) for q in claimed) == [4, 4, 4]
    for queue in claimed:
        assert [m["seq"] for m in queue.messages] == [1, 2, 3, 4]
        assert queue.last_seq == 10 and queue.messages[0]["payload"] == {"v": 1}


def test_a_batch_with_one_lost_lease_keeps_the_others(runtime, peer):
    put(runtime, 2, 1)
    with runtime.engine.begin() as conn:
        mine = claim(conn, "late", utcnow(), 30, 10, 10)
    assert len(mine) == 2
    lost = mine[0].name
    with runtime.engine.begin() as conn:  # the lease of one queue expired and was taken
        conn.execute(sa.text("UPDATE queue_state SET lease_token = lease_token + 1, lease_owner = 'other' "
                             "WHERE name = :n"), {"n": lost})
    deliverer = Deliverer(runtime, runtime.settings.queue)
    outcomes = [deliverer.deliver(queue, {}) for queue in mine]
    with runtime.engine.begin() as conn:
        assert record(conn, "late", outcomes, utcnow()) == [lost]
    with runtime.engine.connect() as conn:
        states = dict(conn.execute(sa.select(messages.c.queue, messages.c.status)).all())
    assert states == {lost: "queued", mine[1].name: "delivered"}


def test_attempt_records_are_the_json_of_status_records():
    at = datetime(2026, 11, 27, 17, 25, 15, 123456, tzinfo=UTC).timestamp()
    assert json.loads(attempt_json("running", at, 1)) == {
        "status": "running", "at": "2026-11-27T17:25:15.123456+00:00", "attempt": 1}
    assert json.loads(attempt_json("retrying", at, 2, 1.23456, error='peer said "no"\n', detail="é")) == {
        "status": "retrying", "at": "2026-11-27T17:25:15.123456+00:00", "attempt": 2,
        "duration_ms": 1.235, "error": 'peer said "no"\n', "detail": "é"}


def test_clock_texts_match_datetime():
    moment = datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    for value in (moment, moment + timedelta(microseconds=1), moment.replace(microsecond=0)):
        epoch = value.timestamp()
        assert datetime.fromisoformat(iso_utc(epoch)) == value
        assert sqlite_utc(epoch) == value.strftime("%Y-%m-%d %H:%M:%S.%f")
        assert utc_datetime(epoch) == value

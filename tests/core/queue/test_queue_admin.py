"""Admin actions and views: retry, skip, replay, stop/start, status, message lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.core.errors import DocumentError, NotFoundError, PermanentError
from hub.core.queue import NewMessage, Worker, admin, enqueue, status, views
from hub.core.queue.claim import claim
from hub.core.queue.messages import utcnow
from hub.core.queue.tables import messages, queues


def put(runtime, hub_id: str, count: int) -> None:
    with runtime.engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", f"peer:partner:{hub_id}", "upsert", "partner", hub_id, v, {"v": v})
                       for v in range(1, count + 1)])


def ids(runtime, hub_id: str) -> list[int]:
    with runtime.engine.connect() as conn:
        return conn.execute(sa.select(messages.c.id).where(messages.c.hub_id == hub_id)
                            .order_by(messages.c.seq)).scalars().all()


def message(runtime, message_id: int) -> dict:
    with runtime.engine.connect() as conn:
        return views.get_message(conn, message_id)


def act(runtime, fn, *args):
    with runtime.engine.begin() as conn:
        return fn(conn, *args, utcnow())


def blocked_queue(runtime, peer, hub_id: str = "A", count: int = 3) -> list[int]:
    peer.script[hub_id] = [PermanentError("bad tax number")]
    put(runtime, hub_id, count)
    Worker(runtime).run_until_idle()
    return ids(runtime, hub_id)


def test_retry_unblocks_and_delivers_in_order(runtime, peer):
    first, *_ = blocked_queue(runtime, peer)
    act(runtime, admin.retry_message, first)
    entry = message(runtime, first)
    assert entry["status"] == "queued" and entry["attempts"] == 0
    assert "manual retry after 1 attempt(s)" in entry["history"][-1]["detail"]
    Worker(runtime).run_until_idle()
    assert [m.version for m in peer.sent] == [1, 1, 2, 3]
    assert [h["status"] for h in message(runtime, first)["history"]] == [
        "queued", "running", "blocked", "queued", "running", "delivered"]


def test_retry_by_queue_and_all_blocked(runtime, peer):
    blocked_queue(runtime, peer, "A", 1)
    blocked_queue(runtime, peer, "B", 1)
    assert act(runtime, admin.retry_queue, "peer:partner:A")["queue"] == "peer:partner:A"
    with runtime.engine.begin() as conn:
        assert [r["queue"] for r in admin.retry_all_blocked(conn, utcnow())] == ["peer:partner:B"]
    Worker(runtime).run_until_idle()
    assert {m.hub_id for m in peer.sent[-2:]} == {"A", "B"}


def test_retry_refuses_delivered_messages(runtime, peer):
    put(runtime, "A", 1)
    Worker(runtime).run_until_idle()
    with pytest.raises(DocumentError, match="is delivered; only blocked or retrying.*use replay"):
        act(runtime, admin.retry_message, ids(runtime, "A")[0])


def test_skip_head_moves_the_queue_on_with_the_reason_kept(runtime, peer):
    first, second, third = blocked_queue(runtime, peer)
    with runtime.engine.begin() as conn:
        admin.skip_message(conn, first, "customer was merged", utcnow())
    Worker(runtime).run_until_idle()
    assert [m.version for m in peer.sent] == [1, 2, 3]
    entry = message(runtime, first)
    assert entry["status"] == "skipped" and entry["history"][-1]["detail"] == "customer was merged"
    with runtime.engine.connect() as conn:
        assert status.queue_status(conn, utcnow()).totals["queues"] == 0


def test_skip_of_a_waiting_message_is_honoured_when_the_queue_gets_there(runtime, peer):
    first, second, third = blocked_queue(runtime, peer)
    with runtime.engine.begin() as conn:
        admin.skip_message(conn, second, "superseded", utcnow())
        admin.retry_message(conn, first, utcnow())
    Worker(runtime).run_until_idle()
    assert [m.version for m in peer.sent] == [1, 1, 3]


def test_skip_needs_a_reason_and_an_open_message(runtime, peer):
    first, *_ = blocked_queue(runtime, peer)
    with runtime.engine.begin() as conn:
        with pytest.raises(DocumentError, match="needs a reason"):
            admin.skip_message(conn, first, "  ", utcnow())
    with pytest.raises(NotFoundError):
        with runtime.engine.begin() as conn:
            admin.skip_message(conn, 999_999, "x", utcnow())


def test_replay_sends_a_delivered_message_again_under_a_new_key(runtime, peer):
    put(runtime, "A", 2)
    Worker(runtime).run_until_idle()
    first = ids(runtime, "A")[0]
    result = act(runtime, admin.replay_message, first)
    Worker(runtime).run_until_idle()
    assert [m.version for m in peer.sent] == [1, 2, 1]
    assert peer.sent[-1].idempotency_key == "peer:partner:A#1:replay1"
    assert message(runtime, first)["history"][-1] == {
        "status": "replayed", "at": message(runtime, first)["history"][-1]["at"],
        "detail": f"sent again as message {result['new_message']}"}
    copy = message(runtime, result["new_message"])
    assert copy["replay_of"] == first and copy["status"] == "delivered"
    assert copy["history"][0]["detail"] == f"replay of message {first}"


def test_replay_queue_since(runtime, peer):
    put(runtime, "A", 3)
    Worker(runtime).run_until_idle()
    with runtime.engine.begin() as conn:
        results = admin.replay_queue(conn, "peer:partner:A", utcnow() - timedelta(hours=1), utcnow())
        assert admin.replay_queue(conn, "peer:partner:A", utcnow() + timedelta(hours=1), utcnow()) == []
    assert len(results) == 3
    Worker(runtime).run_until_idle()
    assert [m.version for m in peer.sent] == [1, 2, 3, 1, 2, 3]


def test_replay_refuses_open_messages(runtime, peer):
    first, *_ = blocked_queue(runtime, peer)
    with pytest.raises(DocumentError, match="still in its queue"):
        act(runtime, admin.replay_message, first)


def test_stop_and_start(runtime, peer):
    put(runtime, "A", 2)
    put(runtime, "B", 1)
    act(runtime, admin.stop_queue, "peer:partner:A")
    Worker(runtime).run_until_idle()
    assert [m.hub_id for m in peer.sent] == ["B"]
    with runtime.engine.connect() as conn:
        report = status.queue_status(conn, utcnow())
    assert [(q.queue, q.state, q.depth) for q in report.queues] == [("peer:partner:A", "stopped", 2)]
    act(runtime, admin.start_queue, "peer:partner:A")
    Worker(runtime).run_until_idle()
    assert [m.hub_id for m in peer.sent] == ["B", "A", "A"]
    with pytest.raises(NotFoundError, match="no queue named 'nope'"):
        act(runtime, admin.stop_queue, "nope")


def test_actions_on_a_queue_a_live_worker_holds_are_refused(runtime, peer):
    first, *_ = blocked_queue(runtime, peer)
    act(runtime, admin.retry_message, first)
    with runtime.engine.begin() as conn:
        assert claim(conn, "other-worker", utcnow(), 30, 10, 10)
    with pytest.raises(admin.QueueBusyError, match="being delivered by other-worker"):
        with runtime.engine.begin() as conn:
            admin.skip_message(conn, first, "x", utcnow())


def test_status_shows_trouble_first_with_depth_age_attempts_and_error(runtime, peer):
    blocked_queue(runtime, peer, "A", 3)
    put(runtime, "B", 5)
    with runtime.engine.connect() as conn:
        report = status.queue_status(conn, utcnow())
    assert report.totals == {"queues": 2, "messages_waiting": 8, "blocked": 1, "stopped": 0, "running": 0}
    a, b = report.queues
    assert (a.queue, a.state, a.depth, a.attempts, a.last_error) == (
        "peer:partner:A", "blocked", 3, 1, "PermanentError: bad tax number")
    assert (b.queue, b.state, b.depth) == ("peer:partner:B", "ready", 5)
    assert a.oldest_age_s is not None and a.oldest_age_s >= 0


def test_status_lists_the_worst_first_up_to_the_limit_and_counts_them_all(runtime, peer):
    blocked_queue(runtime, peer, "A", 1)
    put(runtime, "B", 2)
    put(runtime, "C", 4)
    put(runtime, "D", 4)
    act(runtime, admin.stop_queue, "peer:partner:B")
    with runtime.engine.connect() as conn:
        every = status.queue_status(conn, utcnow(), limit=None)
        two = status.queue_status(conn, utcnow(), limit=2)
        of_peer = status.queue_status(conn, utcnow(), system="peer", limit=None)
        none = status.queue_status(conn, utcnow(), system="elsewhere")
    assert [(q.queue, q.state, q.depth) for q in every.queues] == [
        ("peer:partner:A", "blocked", 1), ("peer:partner:B", "stopped", 2),
        ("peer:partner:C", "ready", 4), ("peer:partner:D", "ready", 4)]
    assert [q.queue for q in two.queues] == ["peer:partner:A", "peer:partner:B"]
    assert two.totals == every.totals == {
        "queues": 4, "messages_waiting": 11, "blocked": 1, "stopped": 1, "running": 0}
    assert len(of_peer.queues) == 4
    assert none.queues == [] and none.totals["queues"] == 0


def test_status_ages_each_queue_by_its_head_message(runtime, peer):
    start = utcnow()
    with runtime.engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", "peer:partner:A", "upsert", "partner", "A", 1, {})],
                start - timedelta(hours=2))
        enqueue(conn, [NewMessage("peer", "peer:partner:A", "upsert", "partner", "A", 2, {})],
                start - timedelta(minutes=5))
        enqueue(conn, [NewMessage("peer", "peer:partner:B", "upsert", "partner", "B", 1, {})],
                start - timedelta(minutes=1))
    with runtime.engine.begin() as conn:
        conn.execute(messages.update().where(messages.c.hub_id == "A", messages.c.seq == 1)
                     .values(status="delivered", finished_at=start))
        conn.execute(queues.update().where(queues.c.name == "peer:partner:A").values(done_seq=1))
    with runtime.engine.connect() as conn:
        report = status.queue_status(conn, start)
    ages = {q.queue: (q.depth, q.oldest_age_s) for q in report.queues}
    assert ages == {"peer:partner:A": (1, 300.0), "peer:partner:B": (1, 60.0)}
    assert report.as_dict()["queues"][0]["oldest_at"] == start - timedelta(minutes=5)


def test_status_reads_head_messages_by_their_key_not_by_a_scan(runtime, peer):
    """The head lookup must stay an index search: a scan of every stored message made
    ``hub status`` take seconds with a million messages."""
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    put(runtime, "A", 3)
    put(runtime, "B", 1)
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        with runtime.engine.connect() as conn:
            status.queue_status(conn, utcnow())
    finally:
        sa.event.remove(runtime.engine, "before_cursor_execute", record)
    with runtime.engine.connect() as conn:
        plans = [" ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
                 for sql, params in statements if "queue_messages" in sql]
    assert plans and all("SEARCH queue_messages USING INDEX" in plan for plan in plans), plans
    assert not any("SCAN queue_messages" in plan for plan in plans), plans


def test_list_messages_filters(runtime, peer):
    blocked_queue(runtime, peer, "A", 2)
    put(runtime, "B", 1)
    Worker(runtime).run_until_idle()
    with runtime.engine.connect() as conn:
        assert [m["hub_id"] for m in views.list_messages(conn, state="blocked")] == ["A"]
        assert [m["seq"] for m in views.list_messages(conn, queue="peer:partner:A")] == [2, 1]
        assert len(views.list_messages(conn, system="peer", since=utcnow() - timedelta(minutes=5))) == 3
        assert views.list_messages(conn, since=utcnow() + timedelta(minutes=5)) == []
        with pytest.raises(DocumentError, match="'state': 'lost' is not one of"):
            views.list_messages(conn, state="lost")

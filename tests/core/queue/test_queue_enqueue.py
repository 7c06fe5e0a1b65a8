"""Enqueue, the outbox listener and outbox atomicity."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.core.errors import DocumentError
from hub.core.events import DocumentChange
from hub.core.model.base import utcnow
from hub.core.queue import NewMessage, OutboxListener, enqueue
from hub.core.queue.tables import messages, queues
from hub.core.store.tables import DocumentRow

documents = DocumentRow.__table__


def msg(queue: str, n: int, system: str = "peer", **kw: object) -> NewMessage:
    return NewMessage(system, queue, "upsert", "partner", queue.rsplit(":", 1)[-1], n, {"n": n}, **kw)  # type: ignore[arg-type]


def test_positions_are_contiguous_per_queue_across_transactions(runtime):
    with runtime.engine.begin() as conn:
        assert enqueue(conn, [msg("peer:partner:A", 1), msg("peer:partner:B", 1), msg("peer:partner:A", 2)]) == 3
    with runtime.engine.begin() as conn:
        enqueue(conn, [msg("peer:partner:A", 3)])
    with runtime.engine.connect() as conn:
        rows = conn.execute(sa.select(messages.c.queue, messages.c.seq, messages.c.payload, messages.c.status,
                                      messages.c.idempotency_key).order_by(messages.c.queue, messages.c.seq)).all()
        state = {r.name: (r.last_seq, r.done_seq) for r in conn.execute(sa.select(queues))}
    assert [(r.queue, r.seq, r.payload["n"]) for r in rows] == [
        ("peer:partner:A", 1, 1), ("peer:partner:A", 2, 2), ("peer:partner:A", 3, 3), ("peer:partner:B", 1, 1)]
    assert {r.status for r in rows} == {"queued"}
    assert rows[0].idempotency_key == "peer:partner:A#1"
    assert state == {"peer:partner:A": (3, 0), "peer:partner:B": (1, 0)}


def test_bad_messages_are_refused_by_field(runtime):
    with runtime.engine.begin() as conn:
        with pytest.raises(DocumentError, match="'hub_id': must not be empty"):
            enqueue(conn, [NewMessage("peer", "peer:partner:A", "upsert", "partner", "", 1, {})])
        with pytest.raises(DocumentError, match="queue belongs to 'peer'"):
            enqueue(conn, [msg("q1", 1), msg("q1", 2, system="other")])
        with pytest.raises(DocumentError, match="'payload': must be a JSON object"):
            enqueue(conn, [NewMessage("peer", "q", "upsert", "partner", "h", 1, ["x"])])  # type: ignore[arg-type]


def test_duplicate_idempotency_key_is_refused(runtime):
    with runtime.engine.begin() as conn:
        enqueue(conn, [msg("peer:partner:A", 1, idempotency_key="k1")])
    with pytest.raises(sa.exc.IntegrityError):
        with runtime.engine.begin() as conn:
            enqueue(conn, [msg("peer:partner:B", 1, idempotency_key="k1")])


def change(hub_id: str, version: int, source: str = "hub", doc_type: str = "partner") -> DocumentChange:
    return DocumentChange(hub_id=hub_id, doc_type=doc_type, version=version, source_system=source,
                          changes={"name": {"old": None, "new": "ACME"}}, data={"name": "ACME"}, created=version == 1)


def test_outbox_listener_targets_transports_of_the_type_but_not_the_source(runtime):
    listener = OutboxListener(runtime.plugins)
    assert listener.targets("partner") == [("peer", "out")]
    with runtime.engine.begin() as conn:
        listener(conn, [change("H1", 1), change("H1", 2),
                        change("H2", 1, source="peer"),  # came from peer: no echo
                        change("H3", 1, doc_type="product")])  # peer does not take products
    with runtime.engine.connect() as conn:
        rows = conn.execute(sa.select(messages).order_by(messages.c.id)).all()
    assert [(r.queue, r.seq, r.kind, r.version, r.transport, r.idempotency_key) for r in rows] == [
        ("peer:partner:H1", 1, "upsert", 1, "out", "peer/out:H1:v1"),
        ("peer:partner:H1", 2, "upsert", 2, "out", "peer/out:H1:v2"),
    ]
    assert rows[0].payload == {"doc_type": "partner", "version": 1, "created": True, "source": "hub",
                               "data": {"name": "ACME"}}


def _write_document(conn: sa.Connection, hub_id: str) -> None:
    now = utcnow()
    conn.execute(documents.insert().values(hub_id=hub_id, doc_type="partner", version=1, data={"name": "ACME"},
                                           field_sources={}, created_at=now, updated_at=now))


def test_failure_after_the_canonical_write_leaves_neither_half(runtime):
    listener = OutboxListener(runtime.plugins)
    with pytest.raises(RuntimeError, match="after the outbox"):
        with runtime.engine.begin() as conn:
            _write_document(conn, "H1")
            listener(conn, [change("H1", 1)])
            raise RuntimeError("crash after the outbox write")
    with runtime.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(messages)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(queues)).scalar_one() == 0


def test_failing_outbox_write_rolls_back_the_canonical_write(runtime):
    listener = OutboxListener(runtime.plugins)
    with runtime.engine.begin() as conn:
        _write_document(conn, "H1")
        listener(conn, [change("H1", 1)])
    with pytest.raises(sa.exc.IntegrityError):
        with runtime.engine.begin() as conn:
            _write_document(conn, "H2")
            listener(conn, [change("H1", 1)])  # same change again: duplicate idempotency key
    with runtime.engine.connect() as conn:
        assert conn.execute(sa.select(documents.c.hub_id)).scalars().all() == ["H1"]
        assert conn.execute(sa.select(sa.func.count()).select_from(messages)).scalar_one() == 1
        assert conn.execute(sa.select(queues.c.last_seq)).scalar_one() == 1


def test_the_sql_sqlite_prepares_does_not_vary_with_the_number_of_queues(runtime):
    """SQLite's driver keeps every statement it prepared: SQL texts that differ with each
    batch's size kept growing its heap (about 400 bytes per row of a list import)."""
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("the statement cache in question is SQLite's driver's")
    texts: list[set[str]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        texts[-1].add(statement)

    sa.event.listen(runtime.engine, "before_cursor_execute", seen)
    try:
        for count in (7, 120, 1203):
            texts.append(set())
            with runtime.engine.begin() as conn:
                enqueue(conn, [msg(f"peer:partner:{count}-{n}", 1) for n in range(count)])
    finally:
        sa.event.remove(runtime.engine, "before_cursor_execute", seen)
    assert texts[0] == texts[1] == texts[2]
    with runtime.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(messages)).scalar_one() == 7 + 120 + 1203
        assert conn.execute(sa.select(sa.func.max(queues.c.last_seq))).scalar_one() == 1

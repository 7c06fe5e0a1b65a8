"""What an administrator does to queues: retry, skip, replay, stop and start.

Every action runs in the caller's transaction, locks the queue row first (so it
cannot interleave with a worker recording results or an enqueue), and writes a
status record into the history of each message it touches. Retry and skip refuse to
touch a queue a live worker holds: that worker may be sending the very message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.core.errors import DocumentError, HubError, NotFoundError
from hub.core.queue.messages import (
    BLOCKED,
    CONFIRMED,
    DELIVERED,
    OPEN_STATUSES,
    QUEUED,
    REPLAYED,
    RETRYING,
    SKIPPED,
    NewMessage,
    status_record,
)
from hub.core.queue.outbox import enqueue
from hub.core.queue.tables import messages, queues


class QueueBusyError(HubError):
    """A live worker holds the queue's lease; the action would race with its delivery."""


def _lock_queue(conn: sa.Connection, name: str) -> Any:
    row = conn.execute(sa.select(queues).where(queues.c.name == name).with_for_update()).first()
    if row is None:
        raise NotFoundError(f"no queue named {name!r}")
    return row


def _refuse_if_leased(queue: Any, now: datetime, action: str) -> None:
    if queue.lease_expires_at is not None and queue.lease_expires_at > now:
        raise QueueBusyError(
            f"cannot {action}: queue {queue.name!r} is being delivered by {queue.lease_owner} "
            f"(lease until {queue.lease_expires_at.isoformat()}); try again in a moment"
        )


def _load_message(conn: sa.Connection, message_id: int) -> Any:
    row = conn.execute(sa.select(messages).where(messages.c.id == message_id)).first()
    if row is None:
        raise NotFoundError(f"no message with id {message_id} (never existed, or purged by retention)")
    return row


def _runnable_due(queue: Any, now: datetime, done_seq: int) -> datetime | None:
    """When the queue should next be claimed after an admin action (None: not at all)."""
    if queue.stopped or queue.last_seq <= done_seq:
        return None
    return now


def retry_message(conn: sa.Connection, message_id: int, now: datetime) -> dict[str, Any]:
    """Unblock a blocked (or waiting) message's queue and try it now, attempts from zero."""
    msg = _load_message(conn, message_id)
    queue = _lock_queue(conn, msg.queue)
    msg = _load_message(conn, message_id)
    if msg.status not in (BLOCKED, RETRYING):
        raise DocumentError(f"message {message_id}", "status",
                            f"is {msg.status}; only blocked or retrying messages can be retried"
                            + (" (use replay to send it again)" if msg.status in (DELIVERED, CONFIRMED) else ""))
    _refuse_if_leased(queue, now, "retry")
    history = [*msg.history, status_record(
        QUEUED, now, detail=f"manual retry after {msg.attempts} attempt(s); attempts start again")]
    conn.execute(messages.update().where(messages.c.id == message_id).values(
        status=QUEUED, attempts=0, next_attempt_at=None, history=history))
    conn.execute(queues.update().where(queues.c.name == queue.name).values(
        blocked=False, attempts=0, last_error=None, updated_at=now,
        due_at=_runnable_due(queue, now, queue.done_seq)))
    return {"message": message_id, "queue": queue.name, "action": "retry"}


def _head_id(conn: sa.Connection, queue: Any) -> int | None:
    return conn.execute(sa.select(messages.c.id).where(
        messages.c.queue == queue.name, messages.c.seq == queue.done_seq + 1)).scalar_one_or_none()


def retry_queue(conn: sa.Connection, name: str, now: datetime) -> dict[str, Any]:
    """Retry the head of queue ``name`` when it is blocked or waiting for a retry."""
    queue = _lock_queue(conn, name)
    head = _head_id(conn, queue)
    if head is None:
        raise DocumentError(f"queue {name}", "head", "has no message waiting; nothing to retry")
    return retry_message(conn, head, now)


def retry_all_blocked(conn: sa.Connection, now: datetime) -> list[dict[str, Any]]:
    """Retry the head of every blocked queue that no live worker holds."""
    names = conn.execute(sa.select(queues.c.name).where(queues.c.blocked).order_by(queues.c.name)).scalars()
    return [retry_queue(conn, name, now) for name in list(names)]


def skip_message(conn: sa.Connection, message_id: int, reason: str, now: datetime) -> dict[str, Any]:
    """Never deliver this message; the reason stays in its history.

    Skipping a blocked head unblocks its queue, and the messages behind it move on.
    """
    if not reason.strip():
        raise DocumentError(f"message {message_id}", "reason", "a skip needs a reason for the history")
    msg = _load_message(conn, message_id)
    queue = _lock_queue(conn, msg.queue)
    msg = _load_message(conn, message_id)
    if msg.status not in OPEN_STATUSES:
        raise DocumentError(f"message {message_id}", "status", f"is {msg.status}; only open messages can be skipped")
    _refuse_if_leased(queue, now, "skip")
    history = [*msg.history, status_record(SKIPPED, now, detail=reason.strip())]
    conn.execute(messages.update().where(messages.c.id == message_id).values(
        status=SKIPPED, history=history, next_attempt_at=None, finished_at=now))
    if msg.seq == queue.done_seq + 1:
        done = msg.seq
        conn.execute(queues.update().where(queues.c.name == queue.name).values(
            done_seq=done, blocked=False, attempts=0, last_error=None, updated_at=now,
            due_at=_runnable_due(queue, now, done)))
    return {"message": message_id, "queue": queue.name, "action": "skip", "reason": reason.strip()}


def replay_message(conn: sa.Connection, message_id: int, now: datetime) -> dict[str, Any]:
    """Send a finished message again from its kept payload, as a new message at the end
    of its queue with its own idempotency key (the peer must apply it again)."""
    msg = _load_message(conn, message_id)
    _lock_queue(conn, msg.queue)
    if msg.status not in (DELIVERED, CONFIRMED, SKIPPED):
        raise DocumentError(f"message {message_id}", "status",
                            f"is {msg.status}; it is still in its queue (retry or skip it instead)")
    replays = conn.execute(sa.select(sa.func.count()).where(messages.c.replay_of == message_id)).scalar_one()
    key = f"{msg.idempotency_key}:replay{replays + 1}"
    enqueue(conn, [NewMessage(
        system=msg.system, queue=msg.queue, kind=msg.kind, doc_type=msg.doc_type, hub_id=msg.hub_id,
        version=msg.version, payload=msg.payload, idempotency_key=key, transport=msg.transport,
    )], now)
    new_id = conn.execute(sa.select(messages.c.id).where(messages.c.idempotency_key == key)).scalar_one()
    conn.execute(messages.update().where(messages.c.id == new_id).values(
        replay_of=message_id,
        history=[status_record(QUEUED, now, detail=f"replay of message {message_id}")]))
    conn.execute(messages.update().where(messages.c.id == message_id).values(
        history=[*msg.history, status_record(REPLAYED, now, detail=f"sent again as message {new_id}")]))
    return {"message": message_id, "queue": msg.queue, "action": "replay", "new_message": new_id}


def replay_queue(conn: sa.Connection, name: str, since: datetime, now: datetime) -> list[dict[str, Any]]:
    """Replay every delivered or confirmed message of ``name`` created since ``since``, in order."""
    _lock_queue(conn, name)
    ids = conn.execute(
        sa.select(messages.c.id).where(
            messages.c.queue == name, messages.c.status.in_((DELIVERED, CONFIRMED)),
            messages.c.created_at >= since,
        ).order_by(messages.c.seq)
    ).scalars().all()
    return [replay_message(conn, message_id, now) for message_id in ids]


def stop_queue(conn: sa.Connection, name: str, now: datetime) -> dict[str, Any]:
    """Stop handing out the queue's messages (a batch in flight still finishes)."""
    _lock_queue(conn, name)
    conn.execute(queues.update().where(queues.c.name == name).values(stopped=True, due_at=None, updated_at=now))
    return {"queue": name, "action": "stop"}


def start_queue(conn: sa.Connection, name: str, now: datetime) -> dict[str, Any]:
    """Let a stopped queue flow again (a pending retry wait is cut short)."""
    queue = _lock_queue(conn, name)
    if queue.lease_expires_at is not None and queue.lease_expires_at > now:
        due = queue.lease_expires_at
    elif queue.blocked or queue.last_seq <= queue.done_seq:
        due = None
    else:
        due = now
    conn.execute(queues.update().where(queues.c.name == name).values(stopped=False, due_at=due, updated_at=now))
    return {"queue": name, "action": "start"}

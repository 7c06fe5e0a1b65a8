"""The replication queue: ordered per-object queues that never lose a message.

Public API: ``enqueue`` and ``OutboxListener`` (writing, inside the caller's
transaction), the message types transports see, ``Worker`` (delivery), the admin
actions in ``admin``, the views in ``views`` and ``status``, ``purge`` (retention).

Names are imported on first use (PEP 562): ``hub status`` reads the queue through
``hub.core.queue.status`` alone and must not pay for the worker, the outbox and the
SQLModel tables at start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.core.queue.messages import DeliveryResult, NewMessage, OutboundMessage
    from hub.core.queue.outbox import OutboxListener, enqueue, object_queue
    from hub.core.queue.retention import PurgeResult, purge
    from hub.core.queue.settings import QueueSettings, RetryPolicy
    from hub.core.queue.worker import Worker, WorkerStats

_HOMES = {
    "DeliveryResult": "messages", "NewMessage": "messages", "OutboundMessage": "messages",
    "OutboxListener": "outbox", "enqueue": "outbox", "object_queue": "outbox",
    "PurgeResult": "retention", "purge": "retention",
    "QueueSettings": "settings", "RetryPolicy": "settings",
    "Worker": "worker", "WorkerStats": "worker",
}
"""Each public name and the module of this package that defines it."""

__all__ = [
    "DeliveryResult", "NewMessage", "OutboundMessage", "OutboxListener", "PurgeResult", "QueueSettings",
    "RetryPolicy", "Worker", "WorkerStats", "enqueue", "object_queue", "purge",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value

"""The replication queue: ordered per-object queues that never lose a message.

Public API: ``enqueue`` and ``OutboxListener`` (writing, inside the caller's
transaction), the message types transports see, ``Worker`` (delivery), the admin
actions in ``admin`` and views in ``views``, ``purge`` (retention).
"""

from hub.core.queue.enqueue import OutboxListener, enqueue, object_queue
from hub.core.queue.messages import (
    DeliveryResult,
    NewMessage,
    OutboundMessage,
    Transport,
    TransportContext,
)
from hub.core.queue.retention import PurgeResult, purge
from hub.core.queue.settings import QueueSettings, RetryPolicy, queue_settings
from hub.core.queue.worker import Worker, WorkerStats

__all__ = [
    "DeliveryResult",
    "NewMessage",
    "OutboundMessage",
    "OutboxListener",
    "PurgeResult",
    "QueueSettings",
    "RetryPolicy",
    "Transport",
    "TransportContext",
    "Worker",
    "WorkerStats",
    "enqueue",
    "object_queue",
    "purge",
    "queue_settings",
]

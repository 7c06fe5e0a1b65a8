"""Plugin subscriptions delivered through the queues, and applied exactly once.

The outbox routes a canonical change to a subscription as it routes it to a transport:
a message in the queue of that document for the subscribing plugin, so changes of one
document arrive in order and a failure blocks only that document's queue. The worker
delivers it through a ``SubscriptionTransport``, which applies the change and records
its receipt in one transaction (``hub.core.store.receipts``): a redelivery after a crash
between that commit and the delivery record finds the receipt and applies nothing.
"""

from __future__ import annotations

from hub.core.errors import PermanentError
from hub.core.plugins.context import PluginContext
from hub.core.plugins.contracts import CanonicalChange
from hub.core.plugins.registry import SubscriptionSpec, TransportSpec
from hub.core.queue.messages import DeliveryResult, OutboundMessage
from hub.core.store import receipts

PREFIX = "subscription:"
"""Transport names of subscriptions: ``subscription:NAME``."""


class SubscriptionTransport:
    """Applies the changes of one subscription, each exactly once."""

    def __init__(self, context: PluginContext, spec: SubscriptionSpec) -> None:
        self.context = context
        self.spec = spec
        self.receipt = f"{context.plugin}/{spec.name}"

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """Apply the change ``message`` carries, unless it was applied before."""
        change = change_of(message)
        with self.context.transaction() as transaction:
            if not receipts.claim(transaction.connection, self.receipt, message.idempotency_key):
                return DeliveryResult(confirmed=True, detail="applied before; not applied again")
            note = self.spec.apply(transaction, change)
        return DeliveryResult(confirmed=True, detail=note)


def change_of(message: OutboundMessage) -> CanonicalChange:
    """The canonical change an outbox message carries (see ``hub.core.queue.outbox``)."""
    payload = message.payload
    data = payload.get("data")
    source = payload.get("source")
    if not isinstance(data, dict) or not isinstance(source, str):
        raise PermanentError(f"message {message.id} carries no canonical change (data and source missing)")
    return CanonicalChange(message.hub_id, message.doc_type, message.version, bool(payload.get("created")),
                           source, data)


def as_transport(spec: SubscriptionSpec) -> TransportSpec:
    """The transport the worker delivers a subscription's messages through."""
    return TransportSpec(f"{PREFIX}{spec.name}", lambda context: SubscriptionTransport(context, spec),
                         spec.document_types, spec.description or f"subscription {spec.name}")

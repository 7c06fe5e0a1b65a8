"""Delivering the messages of one claimed queue through its transport, in order.

Stops at the first message that fails: a transient failure schedules a retry of that
same message (nothing behind it moves), a permanent one, or the last allowed attempt,
blocks the queue. Unexpected exceptions are transient, and the history says so.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from hub.core.errors import PermanentError, TransientError
from hub.core.observe.logs import about_message
from hub.core.observe.metrics import record_delivery
from hub.core.queue.claim import ClaimedQueue, QueueOutcome
from hub.core.queue.clock import utc_datetime
from hub.core.queue.hotsql import MessageUpdate
from hub.core.queue.messages import (
    BLOCKED,
    CONFIRMED,
    DELIVERED,
    RETRYING,
    RUNNING,
    SKIPPED,
    DeliveryResult,
    OutboundMessage,
    attempt_json,
)
from hub.core.queue.retry import decide
from hub.core.queue.settings import QueueSettings
from hub.core.runtime import HubRuntime

if TYPE_CHECKING:
    from hub.core.plugins.contracts import Transport

log = logging.getLogger("hub.queue")

RECEIVED = DeliveryResult()
"""What a transport's ``send`` returning None means: received, nothing more to say."""
LEASE_SAFETY = 0.25
"""Share of the lease kept free: no new message of a queue starts in its last quarter."""


class NoTransportError(PermanentError):
    """No (or no single) transport of the message's system carries its document type."""


class Deliverer:
    """Sends claimed messages through the transports plugins registered.

    Transports are built once per worker, on first use, by ``TransportSpec.factory(
    the plugin's context)``; ``close()`` closes those
    that have a ``close`` method.
    """

    def __init__(self, runtime: HubRuntime, settings: QueueSettings) -> None:
        self._runtime = runtime
        self._settings = settings
        self._specs = runtime.plugins.transports()
        self._transports: dict[str, Transport] = {}
        self._resolved: dict[tuple[str, str | None, str], str] = {}

    def _resolve(self, system: str, name: str | None, doc_type: str) -> str:
        if name:
            qualified = f"{system}/{name}"
            if qualified not in self._specs:
                raise NoTransportError(f"system {system!r} has no transport named {name!r}")
            return qualified
        matches = [q for q, spec in self._specs.items()
                   if q.split("/", 1)[0] == system and doc_type in spec.document_types]
        if len(matches) != 1:
            found = "no transport" if not matches else f"several transports ({', '.join(matches)})"
            raise NoTransportError(f"system {system!r} has {found} for document type {doc_type!r}")
        return matches[0]

    def transport(self, system: str, name: str | None, doc_type: str) -> Transport:
        """The (cached) transport instance for a message."""
        route = (system, name, doc_type)
        qualified = self._resolved.get(route)
        if qualified is None:
            qualified = self._resolved[route] = self._resolve(system, name, doc_type)
        if qualified not in self._transports:
            self._transports[qualified] = self._specs[qualified].factory(self._runtime.plugin_context(system))
        return self._transports[qualified]

    def close(self) -> None:
        """Close every transport built so far that can be closed."""
        for transport in self._transports.values():
            close = getattr(transport, "close", None)
            if callable(close):
                close()
        self._transports.clear()

    def deliver(
        self, claimed: ClaimedQueue, known_ids: dict[tuple[str, str, str], list[str]]
    ) -> QueueOutcome:
        """Deliver ``claimed``'s messages one after the other until one fails."""
        outcome = QueueOutcome(claimed, done_seq=claimed.done_seq, attempts=claimed.attempts,
                               last_error=claimed.last_error)
        deadline = claimed.lease_expires_at.timestamp() - self._settings.lease_seconds * LEASE_SAFETY
        for msg in claimed.messages:
            if msg["status"] == SKIPPED:
                outcome.done_seq = msg["seq"]
                continue
            started = time.time()
            if started >= deadline:
                outcome.next_due = utc_datetime(started)
                break
            with about_message(msg["hub_id"], msg["queue"], msg["id"]):
                delivered = self._attempt(msg, started, outcome, known_ids)
            if not delivered:
                break
            outcome.done_seq = msg["seq"]
        return outcome

    def _attempt(
        self, msg: dict[str, Any], started: float, outcome: QueueOutcome,
        known_ids: dict[tuple[str, str, str], list[str]],
    ) -> bool:
        """One delivery attempt (``started`` in epoch seconds); records it in ``outcome``
        and in the metrics, logs a failure; True when it succeeded."""
        attempt = msg["attempts"] + 1
        key = (msg["system"], msg["doc_type"], msg["hub_id"])
        clock = time.perf_counter()
        error: str | None = None
        retry_after: float | None = None
        permanent = False
        result: DeliveryResult | None = None
        try:
            transport = self.transport(msg["system"], msg["transport"], msg["doc_type"])
            result = transport.send(OutboundMessage(
                id=msg["id"], queue=msg["queue"], seq=msg["seq"], system=msg["system"],
                kind=msg["kind"], doc_type=msg["doc_type"], hub_id=msg["hub_id"],
                version=msg["version"], payload=msg["payload"],
                idempotency_key=msg["idempotency_key"], attempt=attempt,
                external_ids=tuple(known_ids.get(key, ())),
            )) or RECEIVED
        except PermanentError as exc:
            error, permanent = f"{type(exc).__name__}: {exc}", True
        except TransientError as exc:
            error, retry_after = f"{type(exc).__name__}: {exc}", exc.retry_after
        except Exception as exc:  # noqa: BLE001 - a transport bug or an untranslated library error
            error = f"unexpected {type(exc).__name__}: {exc} (treated as transient)"
        duration = time.perf_counter() - clock
        finished = started + duration
        duration_ms = duration * 1000
        running = attempt_json(RUNNING, started, attempt)
        if result is not None:
            status = CONFIRMED if result.confirmed else DELIVERED
            record_delivery(msg["system"], status, duration, attempt, finished - msg["created_at"])
            outcome.message_updates.append(MessageUpdate(msg["id"], status, attempt, (
                running, attempt_json(status, finished, attempt, duration_ms, detail=result.detail)),
                finished_at=finished))
            outcome.attempts, outcome.last_error = 0, None
            if result.external_ids:
                self._remember(result.external_ids, key, finished, outcome, known_ids)
            return True
        policy = self._settings.policy_for(msg["system"], msg["kind"])
        decision = decide(policy, attempt, utc_datetime(finished), retry_after)
        if permanent or decision.give_up:
            reason = error if permanent else f"{error} (attempt {attempt} of {policy.max_attempts}, giving up)"
            outcome.message_updates.append(MessageUpdate(msg["id"], BLOCKED, attempt, (
                running, attempt_json(BLOCKED, finished, attempt, duration_ms, error=reason)),
                last_error=reason))
            outcome.blocked, outcome.last_error = True, reason
            record_delivery(msg["system"], BLOCKED, duration, attempt, finished - msg["created_at"])
            log.error("message %s blocks queue %s: %s", msg["id"], msg["queue"], reason)
        else:
            outcome.message_updates.append(MessageUpdate(msg["id"], RETRYING, attempt, (
                running, attempt_json(RETRYING, finished, attempt, duration_ms, error=error,
                                        detail=f"next attempt in {decision.wait:.1f}s")),
                next_attempt_at=decision.next_attempt_at, last_error=error))
            outcome.next_due, outcome.last_error = decision.next_attempt_at, error
            record_delivery(msg["system"], RETRYING, duration, attempt, finished - msg["created_at"])
            log.warning("message %s to %s failed (attempt %d), retrying in %.1fs: %s", msg["id"], msg["system"],
                        attempt, decision.wait, error)
        outcome.attempts = attempt
        return False

    @staticmethod
    def _remember(
        external_ids: tuple[str, ...], key: tuple[str, str, str], finished: float, outcome: QueueOutcome,
        known_ids: dict[tuple[str, str, str], list[str]],
    ) -> None:
        """Queue key-map rows for the ids a peer assigned; later messages of the batch see them."""
        created = utc_datetime(finished)
        for external_id in external_ids:
            outcome.key_rows.append({"system": key[0], "object_type": key[1], "external_id": external_id,
                                     "hub_id": key[2], "created_at": created})
            known_ids.setdefault(key, []).append(external_id)

"""Delivering the messages of one claimed queue through its transport, in order.

Stops at the first message that fails: a transient failure schedules a retry of that
same message (nothing behind it moves), a permanent one, or the last allowed attempt,
blocks the queue. Unexpected exceptions are transient, and the history says so.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from hub.core.errors import PermanentError, TransientError
from hub.core.queue.claim import ClaimedQueue, QueueOutcome
from hub.core.queue.messages import (
    BLOCKED, CONFIRMED, DELIVERED, RETRYING, RUNNING, SKIPPED, DeliveryResult, OutboundMessage,
    Transport, TransportContext, status_record, utcnow,
)
from hub.core.queue.retry import decide
from hub.core.queue.settings import QueueSettings
from hub.core.runtime import HubRuntime

LEASE_SAFETY = 0.25
"""Share of the lease kept free: no new message of a queue starts in its last quarter."""


class NoTransportError(PermanentError):
    """No (or no single) transport of the message's system carries its document type."""


class Deliverer:
    """Sends claimed messages through the transports plugins registered.

    Transports are built once per worker, on first use, by ``TransportSpec.factory(
    TransportContext(system, plugin settings, runtime))``; ``close()`` closes those
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
            context = TransportContext(system, dict(self._runtime.settings.plugins.get(system, {})),
                                       self._runtime)
            self._transports[qualified] = self._specs[qualified].factory(context)
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
        deadline = claimed.lease_expires_at - timedelta(
            seconds=self._settings.lease_seconds * LEASE_SAFETY)
        for msg in claimed.messages:
            if msg["status"] == SKIPPED:
                outcome.done_seq = msg["seq"]
                continue
            started = utcnow()
            if started >= deadline:
                outcome.next_due = started
                break
            if not self._attempt(msg, started, outcome, known_ids):
                break
            outcome.done_seq = msg["seq"]
        return outcome

    def _attempt(
        self, msg: dict[str, Any], started: datetime, outcome: QueueOutcome,
        known_ids: dict[tuple[str, str, str], list[str]],
    ) -> bool:
        """One delivery attempt; records it in ``outcome``; True when it succeeded."""
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
            )) or DeliveryResult()
        except PermanentError as exc:
            error, permanent = f"{type(exc).__name__}: {exc}", True
        except TransientError as exc:
            error, retry_after = f"{type(exc).__name__}: {exc}", exc.retry_after
        except Exception as exc:  # a transport bug or an untranslated library error
            error = f"unexpected {type(exc).__name__}: {exc} (treated as transient)"
        finished = utcnow()
        duration_ms = (time.perf_counter() - clock) * 1000
        running = status_record(RUNNING, started, attempt)
        update: dict[str, Any] = {"id": msg["id"], "attempts": attempt, "next_attempt_at": None,
                                  "last_error": error, "finished_at": None}
        outcome.message_updates.append(update)
        if result is not None:
            status = CONFIRMED if result.confirmed else DELIVERED
            update.update(status=status, finished_at=finished, records=(
                running, status_record(status, finished, attempt, duration_ms, detail=result.detail)))
            outcome.attempts, outcome.last_error = 0, None
            for external_id in result.external_ids:
                outcome.key_rows.append({"system": key[0], "object_type": key[1], "external_id": external_id,
                                         "hub_id": key[2], "created_at": finished})
                known_ids.setdefault(key, []).append(external_id)
            return True
        policy = self._settings.policy_for(msg["system"], msg["kind"])
        decision = decide(policy, attempt, finished, retry_after)
        if permanent or decision.give_up:
            reason = error if permanent else f"{error} (attempt {attempt} of {policy.max_attempts}, giving up)"
            update.update(status=BLOCKED, last_error=reason, records=(
                running, status_record(BLOCKED, finished, attempt, duration_ms, error=reason)))
            outcome.blocked, outcome.last_error = True, reason
        else:
            update.update(status=RETRYING, next_attempt_at=decision.next_attempt_at, records=(
                running, status_record(RETRYING, finished, attempt, duration_ms, error=error,
                                       detail=f"next attempt in {decision.wait:.1f}s")))
            outcome.next_due, outcome.last_error = decision.next_attempt_at, error
        outcome.attempts = attempt
        return False

"""The worker loop: claim a batch of queue heads, deliver, record; repeat.

A worker never holds a database transaction while a transport talks to a peer: the
claim commits first (the lease is the worker's right to deliver), the results are
recorded in a second transaction. If the process dies in between, the lease expires
and another worker delivers the same messages again under the same idempotency keys.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from hub.core.queue.claim import (
    ClaimedQueue,
    ClaimSize,
    PreparedRecord,
    QueueOutcome,
    anything_due,
    known_external_ids,
    lease,
    prepare,
    read_messages,
    write,
)
from hub.core.queue.deliver import Deliverer
from hub.core.queue.messages import BLOCKED, RETRYING, utcnow
from hub.core.queue.settings import QueueSettings
from hub.core.runtime import HubRuntime
from hub.core.store.db import read_only
from hub.core.store.races import aborted_for_another

log = logging.getLogger("hub.queue")

KnownIds = dict[tuple[str, str, str], list[str]]
"""(system, doc_type, hub_id) -> external ids already in the key map (``known_external_ids``)."""

DATABASE_ERROR_BACKOFF = 1.0
"""Seconds a worker waits after a database error before it tries again."""
RECORD_ATTEMPTS = 3
"""How often a record the database aborted for a deadlock is written again."""


@dataclass
class WorkerStats:
    """What one worker did so far."""

    batches: int = 0
    delivered: int = 0
    retries: int = 0
    blocked: int = 0
    refused_queues: int = 0
    database_errors: int = 0


class Worker:
    """One worker: a loop over claim, deliver, record until ``stop`` is set.

    ``owner`` (host:pid:name) is written into each lease so ``hub status`` shows who
    works on a queue.
    """

    def __init__(
        self, runtime: HubRuntime, name: str | None = None, stop: threading.Event | None = None,
        settings: QueueSettings | None = None,
    ) -> None:
        self.runtime = runtime
        self.settings = settings or runtime.settings.queue
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{name or uuid.uuid4().hex[:8]}"
        self.stop = stop or threading.Event()
        self.stats = WorkerStats()
        # Plugins load now, not on the first delivery: a worker is ready (or fails on a
        # broken plugin) before it claims anything, and first messages wait for no start-up.
        runtime.plugins  # noqa: B018 - read for its effect: loading the plugins
        self._deliverer = Deliverer(runtime, self.settings)
        self._claim_size = ClaimSize(self.settings.batch_size, self.settings.per_queue_batch)
        # An idle worker polls often; on SQLite it must not take the write lock to find nothing.
        self._reader = read_only(self.engine)
        self._held: sa.Connection | None = None
        self._hold = False

    @property
    def engine(self) -> sa.Engine:
        """The hub database."""
        return self.runtime.engine

    def run_once(self) -> int:
        """One batch; returns how many queues were claimed (0: nothing was due)."""
        claim = self._claim_postgresql if self.engine.dialect.name == "postgresql" else self._claim_sqlite
        found = claim()
        if found is None:
            return 0
        claimed, known = found
        outcomes = [self._deliverer.deliver(queue, known) for queue in claimed]
        prepared = prepare(self.engine.dialect.name, self.owner, outcomes, utcnow())
        self._count(outcomes, self._record(prepared))
        return len(claimed)

    def _claim_sqlite(self) -> tuple[list[ClaimedQueue], KnownIds] | None:
        """Lease and read, on SQLite: only the lease takes the write lock (one writer at a
        time); the cheap look for due work before it and the read of the messages after
        it happen outside, so that parallel workers wait for each other as little as
        possible."""
        s = self.settings
        with self._reader.connect() as conn:
            if not anything_due(conn, utcnow()):
                return None
        with self.engine.begin() as conn:
            claimed = lease(conn, self.owner, utcnow(), s.lease_seconds, self._claim_size.queues)
        if not claimed:
            return None
        self._claim_size.observe(claimed)
        with self._reader.connect() as conn:
            read_messages(conn, claimed, s.batch_size, s.per_queue_batch)
            return claimed, known_external_ids(conn, claimed)

    def _claim_postgresql(self) -> tuple[list[ClaimedQueue], KnownIds] | None:
        """Lease and read in one transaction, on PostgreSQL: ``FOR UPDATE SKIP LOCKED``
        takes no lock that other workers wait for, so the lease is itself the look for
        due work, and the read needs no transaction of its own. Each transaction costs
        round trips (BEGIN, COMMIT, and a ping when a connection is checked out), and on
        a busy machine every round trip waits for the server process to be scheduled."""
        s = self.settings
        with self._transaction() as conn:
            claimed = lease(conn, self.owner, utcnow(), s.lease_seconds, self._claim_size.queues)
            if not claimed:
                return None
            read_messages(conn, claimed, s.batch_size, s.per_queue_batch)
            known = known_external_ids(conn, claimed)
        self._claim_size.observe(claimed)
        return claimed, known

    def _record(self, prepared: PreparedRecord) -> list[str]:
        """Write the batch's results; again if PostgreSQL aborted the transaction to break
        a deadlock (with an inbound posting, say). The write is guarded by the lease, so
        running it again is safe, and it spares the peer a redelivery after the lease."""
        for attempt in range(1, RECORD_ATTEMPTS + 1):
            try:
                with self._transaction() as conn:
                    return write(conn, prepared)
            except sa.exc.DBAPIError as exc:
                if attempt == RECORD_ATTEMPTS or not aborted_for_another(exc):
                    raise
                log.warning("%s: recording a batch was aborted (%s); writing it again", self.owner, exc.orig)
        raise AssertionError("unreachable")

    def _count(self, outcomes: list[QueueOutcome], refused: list[str]) -> None:
        self.stats.batches += 1
        self.stats.refused_queues += len(refused)
        if refused:
            log.warning("%s: lease lost on %d queue(s), results left to their new owner: %s",
                        self.owner, len(refused), ", ".join(refused[:5]))
        for outcome in outcomes:
            for update in outcome.message_updates:
                status = update.status
                if status == RETRYING:
                    self.stats.retries += 1
                elif status == BLOCKED:
                    self.stats.blocked += 1
                else:
                    self.stats.delivered += 1

    @contextmanager
    def _transaction(self) -> Iterator[sa.Connection]:
        """A transaction on the connection ``run`` holds, else on one from the pool.

        ``run`` on PostgreSQL keeps one connection for its whole loop: a check-out from
        the pool pings the server first (``pool_pre_ping``), a round trip per transaction
        that a connection in steady use does not need.
        """
        if not self._hold:
            with self.engine.begin() as conn:
                yield conn
            return
        if self._held is None:
            self._held = self.engine.connect()
        with self._held.begin():
            yield self._held

    def _release(self) -> None:
        """Give the held connection back (after a database error, the next one is checked anew)."""
        held, self._held = self._held, None
        if held is not None:
            held.close()

    def close(self) -> None:
        """Close the transports this worker built (``run`` does it when it stops)."""
        self._deliverer.close()

    def run_until_idle(self) -> int:
        """Batches until nothing is due; returns the number of batches (for tests, tools)."""
        batches = 0
        while self.run_once():
            batches += 1
        return batches

    def run(self) -> WorkerStats:
        """Work until ``stop`` is set; the batch in flight is finished first (drain)."""
        log.info("worker %s started", self.owner)
        self._hold = self.engine.dialect.name == "postgresql"
        try:
            while not self.stop.is_set():
                try:
                    claimed = self.run_once()
                except sa.exc.DBAPIError as exc:
                    # A lost connection or a lock timeout must not kill the worker: what
                    # it delivered but could not record is redelivered after the lease.
                    self._release()
                    self.stats.database_errors += 1
                    log.error("worker %s: database error, retrying in %ss: %s",
                              self.owner, DATABASE_ERROR_BACKOFF, exc)
                    self.stop.wait(DATABASE_ERROR_BACKOFF)
                    continue
                if not claimed:
                    self.stop.wait(self.settings.poll_interval)
        finally:
            self._hold = False
            self._release()
            self.close()
            log.info("worker %s stopped: %s", self.owner, self.stats)
        return self.stats

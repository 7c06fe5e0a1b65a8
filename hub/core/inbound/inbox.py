"""The inbox: payloads a route accepted and answered at once, posted moments later.

Some peers must be answered fast or they give up on the hub: Shopify waits 5 seconds
for a webhook's answer and drops the subscription after repeated failures. A route for
such a peer verifies the payload, stores it here (one insert, committed) and answers;
the ``InboxPoster`` of each ``hub run`` process then posts the waiting payloads in
batches through the one inbound pipeline (``hub.core.inbound.chunk``), oldest first,
and deletes them in the same transaction: a crash leaves a payload either waiting or
posted, never lost and never posted twice.

A payload no codec can read is kept in the inbound archive as failed, with the reason
(``hub inbound list --state failed``), and can be replayed after a fix. On PostgreSQL
several hub processes post side by side, each taking waiting payloads no other holds
(``FOR UPDATE SKIP LOCKED``); on SQLite writers take turns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from hub.core.errors import DocumentError
from hub.core.gcpause import gc_paused
from hub.core.inbound import waiting
from hub.core.inbound.outcome import IngestOutcome
from hub.core.inbound.pipeline import RACE_ATTEMPTS, SNIFF_BYTES, Ingestor, pick_codec
from hub.core.plugins.registry import CodecSpec
from hub.core.raw import RawDocument
from hub.core.store import archive
from hub.core.store.db import read_only
from hub.core.store.inbox import inbox
from hub.core.store.races import lost_race

log = logging.getLogger(__name__)

BATCH = 200
"""Most waiting payloads one pass posts in one transaction."""
PASS_SECONDS = 0.05
"""How long one pass may hold the write lock before it commits what it posted: on
SQLite the routes' inbox writes wait for it, and they must answer a shop in milliseconds."""
IDLE_SECONDS = 0.05
"""How long an idle poster waits before it looks again."""
EXPIRY_SECONDS = 60.0
"""How often the poster looks for documents that waited too long."""
UNREADABLE = "(unreadable)"


@dataclass(frozen=True)
class InboxPass:
    """What one pass posted: payloads taken, documents' outcomes, unreadable payloads,
    and the seconds its posting took (the pace the next pass sizes its groups by)."""

    payloads: int
    outcomes: list[IngestOutcome]
    unreadable: int
    seconds: float = 0.0

    def then(self, more: InboxPass) -> InboxPass:
        """This pass's figures with those of ``more`` added."""
        return InboxPass(self.payloads + more.payloads, self.outcomes + more.outcomes,
                         self.unreadable + more.unreadable, self.seconds + more.seconds)

    def first_group(self) -> int:
        """How many payloads the next pass posts in its first group: as many as this
        pass's pace posts in ``PASS_SECONDS`` (one when nothing was posted)."""
        if not self.payloads or self.seconds <= 0:
            return 1
        return max(1, int(PASS_SECONDS * self.payloads / self.seconds))


def post_waiting(engine: sa.Engine, ingestor_of: Callable[[str], Ingestor], limit: int = BATCH,
                 first_group: int = 1) -> InboxPass:
    """Post up to ``limit`` waiting payloads, oldest first, in one transaction; again
    if another process won a race for the archive's keys or a deadlock aborted it.
    ``first_group``: how many payloads to post before the pass first looks at its clock
    (``InboxPass.first_group`` of the pass before).

    The ingestors of the waiting payloads' systems are had before the transaction
    begins: making one takes connections of its own, and while this transaction holds
    SQLite's write lock, a burst of webhooks waiting for that lock can hold every other
    connection of the pool; the poster would then wait for the pool, and they for it.
    A payload of a system that arrives meanwhile waits for the next pass."""
    with read_only(engine).connect() as conn:
        systems = conn.execute(sa.select(inbox.c.system).distinct()).scalars().all()
    ingestors = {system: ingestor_of(system) for system in systems}
    if not ingestors:
        return InboxPass(0, [], 0)
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            with gc_paused(), engine.begin() as conn:
                return _post(conn, ingestors, limit, first_group)
        except sa.exc.DBAPIError as exc:
            if attempt == RACE_ATTEMPTS or not lost_race(exc):
                raise
    raise AssertionError("unreachable")


def _post(conn: sa.Connection, ingestors: dict[str, Ingestor], limit: int, first_group: int) -> InboxPass:
    """Post the oldest waiting payloads in groups until ``PASS_SECONDS`` are up.

    A group's documents go through the pipeline as one chunk (``Ingestor.post_in``):
    the chunk's statements (earlier receipts, key-map lookups, the upsert, the archive
    rows, the outbox) are made once for the group instead of once per payload, which is
    most of what posting a webhook costs. The first group has ``first_group`` payloads;
    each next one is as large as the time left allows at the pace the pass has had so
    far, so a pass holds the write lock about ``PASS_SECONDS`` whatever a payload costs.
    """
    query = sa.select(inbox).where(inbox.c.system.in_(ingestors)).order_by(inbox.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = conn.execute(query).all()
    started = time.monotonic()
    deadline = started + PASS_SECONDS
    done = InboxPass(0, [], 0)
    size = first_group
    while done.payloads < len(rows):
        done = done.then(_post_group(conn, ingestors, rows[done.payloads:done.payloads + size]))
        now = time.monotonic()
        if now >= deadline:
            break
        size = max(1, int((deadline - now) * done.payloads / max(now - started, 1e-6)))
    done = InboxPass(done.payloads, done.outcomes, done.unreadable, time.monotonic() - started)
    if done.payloads:
        conn.execute(inbox.delete().where(inbox.c.id.in_([row.id for row in rows[:done.payloads]])))
    return done


def _post_group(conn: sa.Connection, ingestors: dict[str, Ingestor], rows: Sequence[sa.Row[Any]]) -> InboxPass:
    """Parse each payload of ``rows``, then post the documents of neighbours that share
    system, codec and content type together, in their order."""
    outcomes: list[IngestOutcome] = []
    unreadable = 0
    runs: list[_Run] = []
    for row in rows:
        ingestor = ingestors[row.system]
        try:
            codec = pick_codec(ingestor.codecs, row.payload[:SNIFF_BYTES], row.source)
            documents = list(codec.parse(row.payload, row.source))
        except DocumentError as exc:
            unreadable += 1
            _keep_unreadable(conn, row, str(exc))
            continue
        if runs and runs[-1].takes(ingestor, codec, row.content_type):
            runs[-1].add(row, documents)
        else:
            runs.append(_Run(ingestor, codec, row.content_type, [row], [documents]))
    for run in runs:
        try:
            with conn.begin_nested():
                outcomes += run.ingestor.post_in(conn, run.codec, run.documents(), run.content_type)
            continue
        except sa.exc.DBAPIError:
            raise  # a lost race or the database: the whole pass is tried again
        except Exception:  # noqa: BLE001 - one payload's bug: post them one by one, below
            pass
        for row, documents in zip(run.rows, run.parsed, strict=True):
            try:
                with conn.begin_nested():
                    outcomes += run.ingestor.post_in(conn, run.codec, documents, run.content_type)
            except sa.exc.DBAPIError:
                raise
            except Exception as exc:  # noqa: BLE001 - a bug must not hold up every payload behind this one
                unreadable += 1
                _keep_unreadable(conn, row, f"posting failed: {type(exc).__name__}: {exc}")
    return InboxPass(len(rows), outcomes, unreadable)


@dataclass
class _Run:
    """Neighbouring payloads of a group that post as one chunk."""

    ingestor: Ingestor
    codec: CodecSpec
    content_type: str
    rows: list[sa.Row[Any]]
    parsed: list[list[RawDocument]]

    def takes(self, ingestor: Ingestor, codec: CodecSpec, content_type: str) -> bool:
        """Whether a payload read by ``codec`` of ``ingestor`` posts in this run."""
        return ingestor is self.ingestor and codec is self.codec and content_type == self.content_type

    def add(self, row: sa.Row[Any], documents: list[RawDocument]) -> None:
        """Take one more payload's documents."""
        self.rows.append(row)
        self.parsed.append(documents)

    def documents(self) -> list[RawDocument]:
        """The documents of every payload, in order."""
        return [document for documents in self.parsed for document in documents]


def _keep_unreadable(conn: sa.Connection, row: sa.Row[Any], reason: str) -> None:
    """An unreadable payload goes to the archive as failed, to be replayed after a fix."""
    key = f"{UNREADABLE}:{archive.content_hash(row.payload)}"
    kept = archive.archive_inbound(conn, row.system, UNREADABLE, key, row.content_type, row.payload)
    if not kept.duplicate:
        archive.set_status(conn, kept.id, archive.FAILED, error=reason)
    log.warning("%s payload from %s could not be read (inbound payload %d): %s", row.system, row.source,
                kept.id, reason)


class InboxPoster:
    """A thread of ``hub run`` that, until stopped, posts the inbox's waiting payloads and
    the documents whose missing object has arrived (``hub.core.inbound.waiting``), and
    reports as failed those that waited longer than ``waited``."""

    def __init__(self, engine: sa.Engine, ingestor_of: Callable[[str], Ingestor], stop: threading.Event,
                 waited: timedelta = timedelta(days=1)) -> None:
        self.engine = engine
        self.ingestor_of = ingestor_of
        self.stop = stop
        self.waited = waited
        self.thread = threading.Thread(target=self._run, name="hub-inbox", daemon=True)

    def start(self) -> InboxPoster:
        """Start posting in the background."""
        self.thread.start()
        return self

    def _run(self) -> None:
        next_expiry = 0.0
        first_group = 1
        while not self.stop.is_set():
            try:
                done = post_waiting(self.engine, self.ingestor_of, first_group=first_group)
                if done.payloads:
                    first_group = done.first_group()
                reposted = waiting.repost_ready(self.engine, self.ingestor_of)
                if time.monotonic() >= next_expiry:
                    if expired := waiting.expire(self.engine, self.waited):
                        log.warning("inbound: %d document(s) waited longer than %s and are failed", expired,
                                    self.waited)
                    next_expiry = time.monotonic() + EXPIRY_SECONDS
            except sa.exc.DBAPIError as exc:
                log.error("inbox: database error, trying again shortly: %s", exc)
                self.stop.wait(1.0)
                continue
            if done.payloads < BATCH and reposted < waiting.BATCH:
                self.stop.wait(IDLE_SECONDS)

    def join(self, timeout: float = 10.0) -> None:
        """Wait for the thread to finish its pass after ``stop`` was set."""
        self.thread.join(timeout)

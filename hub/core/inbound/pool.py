"""Ingesting many payloads on several cores, posted strictly in the order they came.

One process ingests at most one core's worth, and parsing and mapping, which touch no
table, are more than half of an IDoc's cost. So a pool of worker processes (spawned,
each building its own ``Ingestor`` from the same settings with the function the pool
is given, ``hub.core.runtime.pool_ingestor`` for a hub) takes the payloads
waiting at a file port, or the parts of a large initial load
(``hub.core.inbound.loadpart``): each worker parses and maps its payload
(``Ingestor.prepare``) while another posts, then waits for its turn and posts
(``Ingestor.post``).

The turns keep SAP's discipline: payload N+1 posts only after payload N is posted or
refused, so two changes to one object apply in the order they arrived, exactly as one
process would apply them. Mapping ahead of the turn cannot use a stale key map either:
the posting transaction checks every lookup again (``hub.core.inbound.premap``).

The parts of one payload (``hub.core.inbound.spread``) go in together (``run_together``):
each posts only once all of them are parsed and mapped, and none posts if one of them
cannot be read, so a payload is taken whole or refused whole, as in one process.

The pool serves one caller at a time (a hub server's file port and HTTP port share it):
``run`` waits for its turn, ``run_together`` does not but says the pool is busy, and its
caller ingests in its own process, which is then the spare core.

A worker that dies holds its turn for ever, so the pool checks its workers while it
waits and stops with ``IngestPoolError``; the payloads are then where a crashed hub
leaves them (a file port's claims, picked up again with what posted recognised as
duplicates). A worker whose hub dies ends at once, rolling back what it was posting.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from hub.core.errors import HubError
from hub.core.gcpause import gc_paused
from hub.core.inbound.loadpart import LoadPart
from hub.core.inbound.outcome import IngestOutcome
from hub.core.inbound.pipeline import Ingestor, PreparedPayload
from hub.core.payload import read_payload
from hub.core.settings import HubSettings

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
"""How often a waiting pool looks whether its workers are alive."""
START_SECONDS = 120.0
"""How long a worker may take to start (imports, plugins, mapping tables)."""


StartWorker = Callable[[HubSettings, str], tuple[Ingestor, Callable[[], None]]]
"""Builds a worker's ingestor for (settings, system) and says how to close what it
opened; a module-level function, so a spawned process can be handed it."""


class IngestPoolError(HubError):
    """The pool cannot go on: a worker failed to start, died, or hit a bug."""


@dataclass(frozen=True)
class IngestJob:
    """One payload for the pool: a file to read, or the bytes themselves; ``part`` when
    it is a part of an initial load (``hub.core.inbound.loadpart``)."""

    source_name: str
    path: str | None = None
    payload: bytes | None = None
    content_type: str = "application/octet-stream"
    part: LoadPart | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.payload is None):
            raise ValueError(f"ingest job {self.source_name}: give a path or a payload, not both or neither")

    def read(self, limit: int) -> bytes:
        """The payload's bytes; a file larger than ``limit`` bytes is refused unread
        (``hub.core.payload``)."""
        if self.payload is not None:
            return self.payload
        return read_payload(Path(str(self.path)), self.source_name, limit)


@dataclass(frozen=True)
class PoolResult:
    """What became of one job: its documents' outcomes, or why the payload was refused whole."""

    job: IngestJob
    outcomes: list[IngestOutcome]
    error: str | None = None


Together = tuple[int, int]
"""The job numbers ``[first, end)`` of jobs that post only once all of them are prepared."""


class _Turns:
    """Whose turn it is to post, shared by the workers: job numbers in order; and how
    many jobs were prepared, and the last one refused, for jobs that go in together."""

    def __init__(self, context: Any) -> None:
        self.condition = context.Condition()
        self.current = context.RawValue("q", 0)
        # Jobs are prepared in any order, but every job before a group's first was posted
        # before the group was handed out, so the count reaching its end means all of it.
        self.prepared = context.RawValue("q", 0)
        self.refused = context.RawValue("q", -1)

    def prepared_job(self, number: int, refused: bool) -> None:
        """Count job ``number`` as prepared (and whether it was refused)."""
        with self.condition:
            self.prepared.value += 1
            if refused:
                self.refused.value = max(self.refused.value, number)
            self.condition.notify_all()

    @contextmanager
    def turn(self, number: int, together: Together | None = None) -> Iterator[bool]:
        """Wait until job ``number`` may post (with ``together``, once all those jobs are
        prepared); let the next one post afterwards, whatever happened. Yields False when
        a job that goes in together with it was refused: then it must not post."""
        def ready() -> bool:
            return self.current.value == number and (together is None or self.prepared.value >= together[1])

        with self.condition:
            while not self.condition.wait_for(ready, POLL_SECONDS):
                _stop_if_orphaned()
            fellow_refused = together is not None and self.refused.value >= together[0]
        try:
            yield not fellow_refused
        finally:
            with self.condition:
                self.current.value = number + 1
                self.condition.notify_all()


class _Orphaned(Exception):
    """The hub process that started this worker is gone."""


def _stop_if_orphaned() -> None:
    parent = multiprocessing.parent_process()
    if parent is not None and not parent.is_alive():
        raise _Orphaned


def _next_job(jobs: Any) -> tuple[int, IngestJob, Together | None] | None:
    """The next job, or None when told to stop; a worker whose hub died stops too."""
    while True:
        try:
            return jobs.get(timeout=POLL_SECONDS)
        except queue.Empty:
            _stop_if_orphaned()


Posted = tuple[list[IngestOutcome], str | None]
"""What a worker sends back for a job: its outcomes, or why it was refused whole (the
pool pairs it with the job it handed out, so the payload does not travel back)."""


def _exit_with_parent() -> None:
    """End this worker the moment the hub that started it is gone, whatever it is doing.

    The polls below notice a dead hub only between reads; a hub killed while it wrote a
    job into the pipe leaves half a message there, and a worker reading it would wait
    for the rest for ever. What the worker was posting is rolled back, as by a kill -9.
    """
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()
        os._exit(1)


def _work(start: StartWorker, settings: HubSettings, system: str, jobs: Any, results: Any, turns: _Turns) -> None:
    """A worker process: build the ingestor, then prepare and post jobs until told to stop."""
    threading.Thread(target=_exit_with_parent, name="hub-ingest-watchdog", daemon=True).start()
    try:
        ingestor, close = start(settings, system)
    except Exception as exc:  # noqa: BLE001 - reported to the pool, which raises it
        results.put(("failed to start", None, f"{type(exc).__name__}: {exc}"))
        return
    results.put(("ready", None, None))
    try:
        while (task := _next_job(jobs)) is not None:
            number, job, together = task
            results.put(("done", number, _ingest(ingestor, job, number, together, turns, settings.max_payload_bytes)))
    except _Orphaned:
        # Nobody is left to take the results: exit without waiting for the pipe to take
        # them (what the worker opened still closes).
        results.cancel_join_thread()
    finally:
        close()


def _ingest(ingestor: Ingestor, job: IngestJob, number: int, together: Together | None, turns: _Turns,
            limit: int) -> Posted | str:
    """One job (a file of at most ``limit`` bytes); a refused payload is a result, a bug is
    a traceback for the pool to raise."""
    with gc_paused():
        # The prepared payload dies with _prepare_and_post's frame, inside the pause:
        # alive when the collector resumes, its first pass would walk all of it.
        return _prepare_and_post(ingestor, job, number, together, turns, limit)


def _prepare_and_post(ingestor: Ingestor, job: IngestJob, number: int, together: Together | None, turns: _Turns,
                      limit: int) -> Posted | str:
    prepared: PreparedPayload | HubError | str
    try:
        payload = job.read(limit)
        prepared = (job.part.prepare(ingestor, payload, job.source_name) if job.part is not None
                    else ingestor.prepare(payload, job.source_name))
    except HubError as exc:
        prepared = exc
    except Exception:  # noqa: BLE001 - the turn must still pass on; the pool raises it
        prepared = traceback.format_exc()
    turns.prepared_job(number, refused=not isinstance(prepared, PreparedPayload))
    with turns.turn(number, together) as may_post:
        # The hub that handed the job out is gone: nobody takes the result, so post nothing more.
        _stop_if_orphaned()
        if isinstance(prepared, str):
            return prepared
        if isinstance(prepared, HubError):
            return [], str(prepared)
        if not may_post:
            return [], f"{job.source_name}: not posted, another part of its payload was refused"
        try:
            if job.part is not None:
                return job.part.post(ingestor, prepared), None
            return ingestor.post(prepared, job.content_type), None
        except HubError as exc:
            return [], str(exc)
        except Exception:  # noqa: BLE001 - a bug: its traceback goes to the pool, which raises it
            return traceback.format_exc()


class IngestPool:
    """Worker processes that ingest payloads of one system side by side, posting in order."""

    def __init__(self, start: StartWorker, settings: HubSettings, system: str, workers: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.system = system
        self._jobs = context.Queue()
        self._results = context.Queue()
        self._turns = _Turns(context)
        self._next = 0
        self._workers: list[BaseProcess] = [
            context.Process(target=_work, args=(start, settings, system, self._jobs, self._results, self._turns),
                            name=f"hub-ingest-{system}-{n + 1}", daemon=True)
            for n in range(workers)
        ]
        for worker in self._workers:
            worker.start()
        self._started = False
        self._using = threading.Lock()
        self.closed = False

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids, for monitoring."""
        return [worker.pid for worker in self._workers if worker.pid is not None]

    def started(self, instead: str) -> bool:
        """Start the workers; False, with a warning that says what happens ``instead``, when
        they cannot start (the pool is then closed): callers go on without the pool."""
        try:
            self.start()
        except IngestPoolError as exc:
            log.warning("%s: %s", instead, exc)
            return False
        return True

    def start(self) -> None:
        """Wait until every worker has built its runtime; raises what kept one from it."""
        if self._started:
            return
        began = time.monotonic()
        ready = 0
        while ready < len(self._workers):
            kind, _, detail = self._receive(START_SECONDS)
            if kind != "ready":
                self.close(wait=False)
                raise IngestPoolError(f"an ingest worker of {self.system} could not start: {detail}")
            ready += 1
        self._started = True
        log.info("ingest pool of %s: %d workers ready in %.1f s (pids %s)", self.system, ready,
                 time.monotonic() - began, ", ".join(map(str, self.pids)))

    def run_together(self, jobs: Sequence[IngestJob], instead: str) -> list[PoolResult] | None:
        """Ingest ``jobs``, at most one per worker, as one: each posts, in order, once all
        are prepared, and none posts if one is refused (its result says why, the others'
        that they were not posted). None, with nothing done, when the pool is busy with
        another caller's jobs, or cannot start (warning what happens ``instead``)."""
        if len(jobs) > len(self._workers):
            raise ValueError(f"{len(jobs)} jobs to run together on {len(self._workers)} workers")
        if not self._using.acquire(blocking=False):
            return None
        try:
            if self.closed or not self.started(instead):
                return None
            first = self._next
            handed: dict[int, IngestJob] = {}
            for number, job in enumerate(jobs, start=first):
                self._jobs.put((number, job, (first, first + len(jobs))))
                handed[number] = job
            self._next = first + len(jobs)
            done = dict(self._done(handed) for _ in jobs)
            return [done[number] for number in range(first, self._next)]
        finally:
            self._using.release()

    def run(self, jobs: Iterable[IngestJob]) -> Iterator[PoolResult]:
        """Ingest ``jobs``; their results in the jobs' order, each as soon as it is posted
        (after the jobs of another caller, if it uses the pool)."""
        with self._using:
            yield from self._run(jobs)

    def _run(self, jobs: Iterable[IngestJob]) -> Iterator[PoolResult]:
        if self.closed:
            raise IngestPoolError(f"the ingest pool of {self.system} is closed")
        self.start()
        pending = iter(jobs)
        handed: dict[int, IngestJob] = {}
        waiting: dict[int, PoolResult] = {}
        first = sent = self._next
        ahead = 2 * len(self._workers)
        try:
            for job in pending:
                self._hand(sent, job, handed)
                sent += 1
                if sent - first >= ahead:
                    break
            while first < sent:
                while first not in waiting:
                    number, result = self._done(handed)
                    waiting[number] = result
                yield waiting.pop(first)
                first += 1
                later = next(pending, None)
                if later is not None:
                    self._hand(sent, later, handed)
                    sent += 1
        finally:
            # Jobs already handed out are posted whatever the caller does; their results
            # are collected so the next run starts clean.
            while not self.closed and len(waiting) < sent - first:
                number, result = self._done(handed)
                waiting[number] = result
            self._next = sent

    def _hand(self, number: int, job: IngestJob, handed: dict[int, IngestJob]) -> None:
        self._jobs.put((number, job, None))
        handed[number] = job

    def _done(self, handed: dict[int, IngestJob]) -> tuple[int, PoolResult]:
        _, number, result = self._receive(None)
        if isinstance(result, str):
            self.close(wait=False)
            raise IngestPoolError(f"an ingest worker of {self.system} failed on job {number}:\n{result}")
        outcomes, error = result
        return number, PoolResult(handed.pop(number), outcomes, error)

    def _receive(self, limit: float | None) -> tuple[str, Any, Any]:
        """The next message of a worker, checking meanwhile that none has died."""
        waited = 0.0
        while True:
            try:
                return self._results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                waited += POLL_SECONDS
            dead = [w for w in self._workers if w.exitcode is not None]
            if dead:
                self.close(wait=False)
                raise IngestPoolError(
                    f"ingest worker {dead[0].name} of {self.system} stopped (exit code {dead[0].exitcode});"
                    " the payloads it held are left as a crashed hub leaves them")
            if limit is not None and waited >= limit:
                self.close(wait=False)
                raise IngestPoolError(f"the ingest workers of {self.system} did not start in {limit:.0f} s")

    def close(self, wait: bool = True) -> None:
        """Stop the workers: after the jobs they hold, or (``wait=False``, after a
        failure) at once, which rolls back what they were posting."""
        if self.closed:
            return
        self.closed = True
        for worker in self._workers:
            if worker.exitcode is None:
                self._jobs.put(None)
        for worker in self._workers:
            worker.join(timeout=30 if wait else 0)
            if worker.exitcode is None:
                worker.terminate()
                worker.join()
        self._jobs.close()
        self._results.close()

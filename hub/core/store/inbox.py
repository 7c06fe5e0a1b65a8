"""The inbox table: payloads a route accepted and answered at once, until they are posted.

Writing and counting only; ``hub.core.inbound.inbox`` posts what waits here.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from hub.core.model.base import utcnow
from hub.core.store.tables import InboxRow

inbox = InboxRow.__table__

MAX_GROUP = 500
"""Most payloads one commit of the ``InboxWriter`` keeps."""


def waiting(conn: sa.Connection) -> int:
    """How many payloads wait in the inbox."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(inbox)).scalar_one())


def _row(system: str, source: str, content_type: str, payload: bytes) -> dict[str, Any]:
    return {"system": system, "source": source[:200], "content_type": content_type[:100], "payload": payload,
            "received_at": utcnow()}


def _insert(conn: sa.Connection, rows: list[dict[str, Any]]) -> list[int]:
    statement = inbox.insert().returning(inbox.c.id, sort_by_parameter_order=True)
    return [int(place) for place in conn.execute(statement, rows).scalars()]


@dataclass
class _Waiting:
    """One route thread's payload, until the writer has committed it (or failed to)."""

    row: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)
    place: int = 0
    error: BaseException | None = None


class InboxWriter:
    """Keeps accepted payloads in the inbox, the payloads of many requests in one commit.

    A webhook burst is many small inserts, and every commit takes the database's write
    lock (SQLite has one for the whole file) and syncs the log. Committed one request at a
    time, the requests queue for that lock and a burst is accepted at the rate of commits.
    Here a route's thread hands its payload to one writer thread and waits; the writer
    takes everything that waits, inserts it in one transaction and wakes each thread with
    its place. A lone webhook waits for its own insert only; under a burst one commit
    serves many. Nothing is answered before its commit, so nothing answered is lost; if a
    commit fails, every request in it gets the error (and the shop sends again).
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._waiting: deque[_Waiting] = deque()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def accept(self, system: str, source: str, content_type: str, payload: bytes) -> int:
        """Keep ``payload`` of ``system`` for posting; returns its place in the inbox once
        it is committed."""
        entry = _Waiting(_row(system, source, content_type, payload))
        with self._wake:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._write, name="hub-inbox-writer", daemon=True)
                self._thread.start()
            self._waiting.append(entry)
            self._wake.notify()
        entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.place

    def _write(self) -> None:
        while True:
            with self._wake:
                while not self._waiting:
                    self._wake.wait()
                group = [self._waiting.popleft() for _ in range(min(len(self._waiting), MAX_GROUP))]
            try:
                with self.engine.begin() as conn:
                    places = _insert(conn, [entry.row for entry in group])
            except Exception as exc:  # noqa: BLE001 - each waiting request raises it; the writer goes on
                for entry in group:
                    entry.error = exc
            else:
                for entry, place in zip(group, places, strict=True):
                    entry.place = place
            for entry in group:
                entry.done.set()

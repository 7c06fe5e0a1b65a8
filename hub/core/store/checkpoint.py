"""WAL checkpoints of a SQLite file on a background thread, off the writers' path.

In WAL mode every commit appends its pages to the ``-wal`` file, and a checkpoint
copies them back into the database file (and syncs both). By default SQLite does that
inside the commit that takes the WAL past 1,000 pages, so that one writer waits for
the copy and two fsyncs: a tenth of a bulk load's time, and the slowest commits of the
queue. Here the committing connection only wakes this module's thread, which runs a
PASSIVE checkpoint on its own connection (it never blocks a writer or a reader; the
sqlite3 module lets go of the GIL meanwhile), at most every ``CHECKPOINT_INTERVAL_S``,
so pages rewritten by many commits are copied once.

SQLite's own checkpoint stays as the safety net, at ``WAL_AUTOCHECKPOINT_PAGES``: if
this thread falls behind, or its process is gone, the WAL is still bounded. The thread
ends after ``IDLE_EXIT_S`` without commits and starts again with the next one; a child
process made by fork starts its own.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from urllib.parse import quote

WAL_AUTOCHECKPOINT_PAGES = 16_384
"""SQLite's in-commit checkpoint: only past 64 MiB of WAL (4 KiB pages)."""
CHECKPOINT_INTERVAL_S = 0.1
IDLE_EXIT_S = 5.0

log = logging.getLogger(__name__)


class Checkpointer:
    """The background checkpoints of one database file in this process."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.checkpoints = 0
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """Called after each write transaction: a checkpoint is due soon."""
        self._wake.set()
        # Under the lock the thread also decides to end, so a wake-up never falls
        # between its last look and its exit.
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"sqlite-checkpoint {os.path.basename(self.path)}", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        try:
            # Read-write but never create: a file deleted meanwhile is not made anew.
            connection = sqlite3.connect(f"file:{quote(self.path)}?mode=rw", uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            log.debug("no background checkpoints of %s: %s", self.path, exc)
            with self._lock:
                self._thread = None
            return
        try:
            while True:
                if not self._wake.wait(IDLE_EXIT_S):
                    with self._lock:
                        if not self._wake.is_set():
                            self._thread = None
                            return
                time.sleep(CHECKPOINT_INTERVAL_S)  # let a burst of commits pile up
                self._wake.clear()
                self._checkpoint(connection)
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.checkpoints += 1
        except sqlite3.OperationalError as exc:
            # Another process checkpointing at the same moment, or the file gone: the
            # next commit wakes us again, and SQLite's own checkpoint bounds the WAL.
            log.debug("background checkpoint of %s skipped: %s", self.path, exc)


_checkpointers: dict[str, Checkpointer] = {}
_registry_lock = threading.Lock()
_inherited: list[Checkpointer] = []


def for_file(path: str) -> Checkpointer:
    """This process's checkpointer of the database file at ``path``."""
    key = os.path.abspath(path)
    found = _checkpointers.get(key)
    if found is None:
        with _registry_lock:
            found = _checkpointers.setdefault(key, Checkpointer(key))
    return found


def _forget_after_fork() -> None:
    # A forked child has none of the parent's threads, and a lock held by one of them at
    # the fork would stay held. Their connections are kept, not closed: closing a SQLite
    # file in a process drops that process's locks on it.
    global _registry_lock
    _registry_lock = threading.Lock()
    _inherited.extend(_checkpointers.values())
    _checkpointers.clear()


os.register_at_fork(after_in_child=_forget_after_fork)

"""Pausing Python's cyclic garbage collector while a batch of documents is in flight.

A chunk of inbound documents allocates a few hundred thousand objects (segment trees,
canonical models, rows) that all live until the chunk commits and are then freed by
reference counting. While they live, the collector keeps walking them, and each of its
full passes also walks everything else the process holds: a third of the ingest's CPU
time went there (ORDERS05 bench). Paused for the chunk, it walks nothing; the few
reference cycles a chunk leaves are collected after it, when it runs again.

The switch is process-wide, so the pause counts its holders: threads ingesting at the
same time resume the collector only when the last of them is done, and a collector
that someone had disabled before stays disabled.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pause:
    """How many holders pause the collector, and whether it ran before the first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.resume = False


_PAUSE = _Pause()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector paused (re-entrant, thread-safe)."""
    with _PAUSE.lock:
        if _PAUSE.holders == 0:
            _PAUSE.resume = gc.isenabled()
            gc.disable()
        _PAUSE.holders += 1
    try:
        yield
    finally:
        with _PAUSE.lock:
            _PAUSE.holders -= 1
            if _PAUSE.holders == 0 and _PAUSE.resume:
                gc.enable()

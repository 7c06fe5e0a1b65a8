"""Where the till API's database work runs: a few readers, and writers one at a time.

A till request does a few milliseconds of work, but on SQLite every write transaction
holds the database's one write lock (``BEGIN IMMEDIATE``) and the threads that wait for
it poll for it, each waking every millisecond or so and taking the GIL to try again.
With Starlette's default thread pool, up to forty request threads of one process did
that at once. Timed inside ``hub run`` at 200 - 500 requests/s: a write request's own
work took 3 - 5 ms (p50), while getting its connection and the lock took 85 - 120 ms
(p50) and up to 1.3 s; reads waited 35 - 60 ms for a pooled connection. The process
spent its CPU on the waiting, served fewer requests than asked, and the backlog made
the stalls of seconds the bench saw.

So requests queue here, in the event loop, where waiting costs nothing: the process
runs at most ``WRITERS`` write transactions at once (one on SQLite, where a second
would only wait for the lock; a few on PostgreSQL, where tills of different members do
not wait for each other) and at most ``READERS`` reads. The guarantee that two tills
never overdraw an account does not rest on this (it holds across processes too): it is
the account lock every reservation and commit takes in the database
(``engine.ledger.lock_account``); the lanes only keep a process from fighting itself
for that lock.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from hub.api import PluginContext

T = TypeVar("T")

READERS = 4
"""Reads (card look-ups, coupon checks) one process runs at once: they take no lock, and
more threads only share the same core and GIL."""
WRITERS = {"sqlite": 1}
"""Write transactions one process runs at once, by database; others get ``OTHER_WRITERS``."""
OTHER_WRITERS = 4


class Lanes:
    """The read and write lanes of one event loop (an HTTP server thread)."""

    def __init__(self, dialect: str) -> None:
        self.readers = CapacityLimiter(READERS)
        self.writers = CapacityLimiter(WRITERS.get(dialect, OTHER_WRITERS))

    async def run(self, work: Callable[[], T], write: bool) -> T:
        """``work()`` in a worker thread, once the lane has room for it."""
        return await anyio.to_thread.run_sync(work, limiter=self.writers if write else self.readers)


_LANES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Lanes] = weakref.WeakKeyDictionary()


def _dialect(context: PluginContext) -> str:
    with context.reading() as tx:
        return tx.connection.dialect.name


async def lanes(context: PluginContext) -> Lanes:
    """The lanes of the running event loop, made on its first till request (a limiter
    belongs to one loop, and the number of writers depends on the hub's database)."""
    loop = asyncio.get_running_loop()
    found = _LANES.get(loop)
    if found is None:
        dialect = await anyio.to_thread.run_sync(_dialect, context)
        found = _LANES.setdefault(loop, Lanes(dialect))
    return found

"""The till API's lanes: on SQLite a process runs one write transaction at a time and
a bounded number of reads, the rest wait in the event loop (``till.lanes``)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from loyalty_fixtures import loyalty_hub

from plugins.loyalty_pos.till.lanes import READERS, lanes


class Gauge:
    """How many pieces of work ran at once, at most."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def work(self) -> str:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.02)
        with self.lock:
            self.now -= 1
        return threading.current_thread().name


def test_on_sqlite_writes_run_one_at_a_time_and_reads_a_few_at_once(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        context = hub.context("loyalty_pos")
        writes, reads = Gauge(), Gauge()

        async def burst() -> list[str]:
            lane = await lanes(context)
            assert lane is await lanes(context)  # one set of lanes per event loop
            jobs = [lane.run(writes.work, True) for _ in range(8)]
            jobs += [lane.run(reads.work, False) for _ in range(3 * READERS)]
            return await asyncio.gather(*jobs)

        names = asyncio.run(burst())
        assert len(names) == 8 + 3 * READERS
        assert writes.most == 1
        assert 1 < reads.most <= READERS

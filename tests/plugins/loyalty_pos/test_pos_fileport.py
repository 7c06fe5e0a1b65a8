"""The file port: dropped POSLog files are posted and filed under done/ or error/; a day
file is read as it posts, a chunk at a time, whatever its size."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from pos_fixtures import DATA, MALFORMED, ZONE

from hub.api import RawDocument
from hub.testing.live import LiveHub
from plugins.loyalty_pos.fileport import FilePort
from plugins.loyalty_pos.poslog.generate import write_day
from plugins.loyalty_pos.poslog.reader import PosLogReader


def test_dropped_files_post_and_are_filed_by_outcome(tmp_path: Path) -> None:
    inbound = tmp_path / "in"
    inbound.mkdir()
    with LiveHub(tmp_path / "hub", {"loyalty_pos": {"timezone": ZONE, "inbound_dir": str(inbound)}}) as hub:
        shutil.copy(DATA / "poslog60_day.xml", inbound / "day.xml")
        shutil.copy(MALFORMED / "totals.xml", inbound / "totals.xml")
        shutil.copy(MALFORMED / "doctype_external_entity.xml", inbound / "evil.xml")
        (inbound / "half.xml.tmp").write_bytes(b"<POSLog")
        results = {r.name: r for r in FilePort(hub.context("loyalty_pos")).poll()}
        assert set(results) == {"day.xml", "totals.xml", "evil.xml"}
        assert results["day.xml"].moved_to == inbound / "done" / "day.xml" and not results["day.xml"].problems
        assert results["totals.xml"].moved_to == inbound / "error" / "totals.xml"
        assert "do not make the total" in (inbound / "error" / "totals.xml.error.txt").read_text()
        assert results["totals.xml"].counts.get("posted", 0) > 0, "the file's good transactions post"
        assert "DOCTYPE" in (inbound / "error" / "evil.xml.error.txt").read_text()
        assert (inbound / "half.xml.tmp").exists(), "a file still being written is left alone"
        assert hub.count("retail_transaction") > 0
        shutil.copy(inbound / "done" / "day.xml", inbound / "again.xml")
        [again] = FilePort(hub.context("loyalty_pos")).poll()
        assert set(again.counts) == {"duplicate"} and again.moved_to == inbound / "done" / "again.xml"


class CountingReader(PosLogReader):
    """The POSLog reader, noting how many transactions the hub holds each time it hands
    over the first transaction of a chunk of 100."""

    def __init__(self, hub: LiveHub) -> None:
        super().__init__(ZoneInfo(ZONE), "EUR")
        self.hub = hub
        self.held_before: list[int] = []

    def read_stream(self, stream: BinaryIO, source: str) -> Iterator[RawDocument]:
        for number, document in enumerate(super().read_stream(stream, source)):
            if number % 100 == 0:
                self.held_before.append(self.hub.count("retail_transaction"))
            yield document


def test_a_day_file_is_read_as_it_posts_chunk_by_chunk_whatever_its_size(tmp_path: Path) -> None:
    inbound = tmp_path / "in"
    inbound.mkdir()
    with LiveHub(tmp_path / "hub", {"loyalty_pos": {"timezone": ZONE, "inbound_dir": str(inbound)}}) as hub:
        hub.runtime.shared_ingestor("loyalty_pos").chunk = 100
        hub.runtime.settings.max_payload_bytes = 50_000
        with (inbound / "day.xml").open("wb") as out:
            write_day(out, 250, seed=11, stores=2, tills=2)
        assert (inbound / "day.xml").stat().st_size > 10 * 50_000
        (inbound / "one.json").write_bytes(b'{"pos_transaction": 1, ' + b" " * 50_000 + b"}")
        port = FilePort(hub.context("loyalty_pos"))
        port.reader = reader = CountingReader(hub)
        results = {r.name: r for r in port.poll()}
        assert reader.held_before == [0, 100, 200], "each chunk commits before the next is read"
        assert results["day.xml"].counts == {"posted": 250} and not results["day.xml"].problems
        assert hub.count("retail_transaction") == 250
        assert results["one.json"].moved_to == inbound / "error" / "one.json"
        assert "max_payload_bytes" in results["one.json"].problems[0], results["one.json"].problems

"""One posting path: new arrivals, replays and initial loads get the same history,
dedupe, handlers, listeners and race handling."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.inbound.chunk import PostedChunk, Posting
from hub.core.inbound.load import InitialLoad
from hub.core.inbound.pipeline import Ingestor
from hub.core.mapping import MappingSet
from hub.core.masterdata import MasterDataService
from hub.core.plugins.registry import CodecSpec
from hub.core.raw import RawDocument
from hub.core.store import archive

CODES = {"received": "R", "posted": "P", "failed": "F", "replayed": "X"}


def _parse(payload: bytes, source: str) -> Iterator[RawDocument]:
    """``PING:1,PING:2,...``: one handler-only document per item, carrying its own text."""
    for item in payload.decode().split(","):
        kind, number = item.split(":")
        yield RawDocument("peer", kind, number, "json", {"n": number}, source=source,
                          payload=item.encode(), dedupe_key=f"{kind}:peer-1:{number}")


CODEC = CodecSpec("pings", parse=_parse, accepts=lambda head, name: True, status_codes=CODES)


class Recorder:
    """A handler of PING and a chunk listener that note what they saw."""

    def __init__(self) -> None:
        self.handled: list[str] = []
        self.chunks: list[tuple[str, list[str]]] = []

    def handle(self, conn: sa.Connection, raw: RawDocument) -> str:
        self.handled.append(raw.document_id)
        return f"pong {raw.document_id}"

    def listen(self, chunk: PostedChunk) -> None:
        self.chunks.append((chunk.origin, [outcome.status for _, outcome in chunk.results]))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def ingestor(hub_engine: sa.Engine, recorder: Recorder) -> Ingestor:
    posting = Posting("peer", MappingSet([]), MasterDataService(hub_engine), {"PING": recorder.handle},
                      recorder.listen)
    return Ingestor(hub_engine, posting, [CODEC], chunk=2)


def _history(engine: sa.Engine, payload_id: int) -> list[tuple[str, str | None, str]]:
    with engine.connect() as conn:
        return [(h["status"], h["code"], h["text"]) for h in archive.load_payload(conn, payload_id).history]


def test_a_replay_runs_the_handler_and_listeners_again_and_records_its_history(
        ingestor: Ingestor, recorder: Recorder) -> None:
    [first] = ingestor.ingest(b"PING:1", "p.txt")
    assert first.status == "posted" and recorder.handled == ["1"]
    [again] = ingestor.replay(first.payload_id or 0)
    assert again.status == "posted" and again.payload_id == first.payload_id
    assert recorder.handled == ["1", "1"]
    assert recorder.chunks == [("received", ["posted"]), ("replay", ["posted"])]
    assert _history(ingestor.engine, first.payload_id or 0) == [
        ("received", "R", "received"), ("posted", "P", "pong 1"),
        ("replayed", "X", "processing the kept payload again"), ("posted", "P", "pong 1")]


def test_an_initial_load_goes_through_the_same_path(ingestor: Ingestor, recorder: Recorder) -> None:
    job = InitialLoad(ingestor, "pings", CODEC, chunk=2)
    result = job.run(_parse(b"PING:1,PING:2,PING:3", "extract"), "extract", "peer:pings:extract")
    assert (result.done, result.failed) == (3, 0)
    assert recorder.handled == ["1", "2", "3"]
    assert recorder.chunks == [("load", ["posted", "posted"]), ("load", ["posted"])]
    with ingestor.engine.connect() as conn:
        kept = conn.execute(sa.select(archive.inbound.c.id).order_by(archive.inbound.c.id)).scalars().all()
    assert len(kept) == 3
    assert _history(ingestor.engine, kept[0])[0] == ("received", "R", "read by an initial load")

    rerun = job.run(_parse(b"PING:1,PING:2,PING:3", "extract"), "extract", "peer:pings:extract", restart=True)
    assert rerun.done == 3 and recorder.handled == ["1", "2", "3"]  # all three were received before
    assert recorder.chunks[2:] == [("load", ["duplicate", "duplicate"]), ("load", ["duplicate"])]


def test_a_load_counts_only_chunks_that_committed(ingestor: Ingestor, recorder: Recorder) -> None:
    def refuse_third(conn: sa.Connection, raw: RawDocument) -> str:
        if raw.document_id == "3":
            raise RuntimeError("the database went away")
        return "pong"

    ingestor.posting.handlers["PING"] = refuse_third  # type: ignore[index]
    job = InitialLoad(ingestor, "pings", CODEC, chunk=2)
    with pytest.raises(RuntimeError):
        job.run(_parse(b"PING:1,PING:2,PING:3,PING:4", "extract"), "extract", "peer:pings:extract")
    ingestor.posting.handlers["PING"] = recorder.handle  # type: ignore[index]
    resumed = job.run(_parse(b"PING:1,PING:2,PING:3,PING:4", "extract"), "extract", "peer:pings:extract")
    assert (resumed.resumed_from, resumed.done, resumed.failed) == (2, 4, 0)
    assert recorder.handled == ["3", "4"]


def test_two_processes_posting_one_delivery_at_once_post_it_once(tmp_path: Path, database_url: str,
                                                                  hub_engine: sa.Engine) -> None:
    """The loser of the race for the archive's keys posts its chunk again and finds them received."""
    handled: list[str] = []
    barrier = threading.Barrier(2)

    def handle(conn: sa.Connection, raw: RawDocument) -> str:
        handled.append(raw.document_id)
        return "pong"

    def wait_for_the_other(chunk: PostedChunk) -> None:
        if chunk.results[0][1].status != "duplicate":
            try:
                barrier.wait(timeout=2)  # both inside their transaction (PostgreSQL lets both in)
            except threading.BrokenBarrierError:
                pass  # SQLite: the other waits for the write lock

    posting = Posting("peer", MappingSet([]), MasterDataService(hub_engine), {"PING": handle}, wait_for_the_other)
    ingestor = Ingestor(hub_engine, posting, [CODEC])
    results: list[list[str]] = []

    def post() -> None:
        results.append([o.status for o in ingestor.ingest(b"PING:7", "p.txt")])

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [["duplicate"], ["posted"]]
    with hub_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(archive.inbound)).scalar_one() == 1

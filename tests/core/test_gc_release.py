"""Bulk paths free a chunk's documents while the collector is still paused.

A pause (``hub.core.gcpause``) only saves the collector's work if what the chunk built
is gone when it resumes; anything still alive then is walked by its very next pass.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hub.core.inbound.chunk import Posting
from hub.core.inbound.load import InitialLoad
from hub.core.inbound.pipeline import Ingestor
from hub.core.mapping import MappingSet
from hub.core.masterdata import MasterDataService
from hub.core.plugins.registry import CodecSpec
from hub.core.raw import RawDocument, Segment

made: list[weakref.ref[RawDocument]] = []


def _document(n: int) -> RawDocument:
    document = RawDocument("shop", "UNMAPPED", str(n), "json", [Segment("ROOT", {"N": str(n)})], payload=b"{}")
    made.append(weakref.ref(document))
    return document


def _documents(count: int) -> Iterator[RawDocument]:
    # Yielded straight from the call: a local here would keep the last one alive.
    for n in range(count):
        yield _document(n)


@pytest.fixture
def alive_at_resume(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many of the made documents were still alive each time the collector resumed."""
    made.clear()
    seen: list[int] = []
    enable = gc.enable

    def resume() -> None:
        seen.append(sum(1 for ref in made if ref() is not None))
        enable()

    monkeypatch.setattr(gc, "enable", resume)
    gc.enable()
    seen.clear()
    return seen


def test_ingest_frees_the_parsed_payload_before_the_collector_resumes(
    hub_engine: sa.Engine, alive_at_resume: list[int]
) -> None:
    codec = CodecSpec("test", parse=lambda payload, source: _documents(5), accepts=lambda head, name: True)
    ingestor = Ingestor(hub_engine, Posting("shop", MappingSet([]), MasterDataService(hub_engine)), [codec], chunk=2)
    outcomes = ingestor.ingest(b"five documents", "test.json")
    assert [o.status for o in outcomes] == ["failed"] * 5  # no mapping table: kept as failed
    assert len(made) == 5 and alive_at_resume == [0]


def test_initial_load_frees_each_chunk_before_the_collector_resumes(
    hub_engine: sa.Engine, alive_at_resume: list[Any]
) -> None:
    codec = CodecSpec("test", parse=lambda payload, source: iter(()))
    ingestor = Ingestor(hub_engine, Posting("shop", MappingSet([]), MasterDataService(hub_engine)), [codec])
    job = InitialLoad(ingestor, "things", codec, chunk=2)
    result = job.run(_documents(5), "test", "shop:things:test")
    assert (result.done, result.failed) == (5, 5)
    assert len(made) == 5 and alive_at_resume == [0, 0, 0, 0]  # three chunks, then the empty read

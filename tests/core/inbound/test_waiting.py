"""Waiting documents: finding those whose object has arrived takes no write lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hub.core.inbound.pipeline import Ingestor
from hub.core.inbound.waiting import repost_ready
from hub.core.store import migrate
from hub.core.store.db import create_engine


def test_finding_nothing_ready_does_not_wait_for_another_writer(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The inbox poster asks on every pass; while the HTTP server writes, the answer
    (mostly: nothing) must not wait for the write lock."""
    monkeypatch.setattr("hub.core.store.db.SQLITE_BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "hub.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")

    def no_ingestor(system: str) -> Ingestor:
        raise AssertionError(f"nothing is ready, yet an ingestor of {system} was asked for")

    try:
        assert repost_ready(engine, no_ingestor) == 0
    finally:
        writer.rollback()
        writer.close()
        engine.dispose()

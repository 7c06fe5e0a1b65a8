"""WAL checkpoints run on a background thread, not inside the writers' commits."""

from __future__ import annotations

import sqlite3
import time

import pytest
import sqlalchemy as sa

from hub.core.store import checkpoint
from hub.core.store.db import create_engine, read_only

PAGE = "x" * 4000


def _frames(path) -> tuple[int, int]:
    """(frames in the WAL, frames of it already copied into the database file)."""
    conn = sqlite3.connect(path)
    try:
        # A PASSIVE checkpoint of nothing new reports the WAL's state and copies nothing
        # more than the background thread would have.
        _busy, log, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return log, done
    finally:
        conn.close()


def _wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def quick_idle(monkeypatch):
    monkeypatch.setattr(checkpoint, "IDLE_EXIT_S", 0.3)


def test_commits_leave_the_checkpoint_to_the_background_thread(tmp_path, quick_idle) -> None:
    path = tmp_path / "c.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == checkpoint.WAL_AUTOCHECKPOINT_PAGES
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x TEXT)")
    checkpointer = checkpoint.for_file(str(path))
    before = checkpointer.checkpoints
    for _ in range(20):
        with engine.begin() as conn:  # 20 commits of 100 pages: 2,000 pages, past SQLite's default 1,000
            conn.exec_driver_sql("INSERT INTO t SELECT ? FROM (SELECT 1 UNION ALL SELECT 2) AS a, "
                                 "(SELECT value FROM json_each('[" + ",".join(["0"] * 50) + "]'))", (PAGE,))
    assert _wait_for(lambda: checkpointer.checkpoints > before)
    log, done = _frames(path)
    assert log >= 2000 and done == log
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2000
    engine.dispose()


def test_the_thread_ends_when_idle_and_comes_back_with_the_next_commit(tmp_path, quick_idle) -> None:
    path = tmp_path / "i.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    checkpointer = checkpoint.for_file(str(path))
    assert checkpointer._thread is not None
    assert _wait_for(lambda: checkpointer._thread is None)
    with read_only(engine).connect() as conn:  # reading wakes nothing
        conn.execute(sa.text("SELECT count(*) FROM t")).scalar()
        conn.commit()
    assert checkpointer._thread is None
    before = checkpointer.checkpoints
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    assert checkpointer._thread is not None
    assert _wait_for(lambda: checkpointer.checkpoints > before)
    engine.dispose()


def test_a_memory_database_has_no_checkpointer(tmp_path) -> None:
    assert create_engine(f"sqlite:///{tmp_path / 'f.db'}").dispatch.commit

    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    assert not engine.dispatch.commit  # nothing listens for its commits
    engine.dispose()


def test_a_file_gone_meanwhile_is_not_made_anew(tmp_path, quick_idle) -> None:
    checkpointer = checkpoint.Checkpointer(str(tmp_path / "gone.db"))
    checkpointer.committed()
    assert _wait_for(lambda: checkpointer._thread is None)
    assert not (tmp_path / "gone.db").exists() and checkpointer.checkpoints == 0

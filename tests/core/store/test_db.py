"""SQLite writers wait for each other with short sleeps, and give up after the timeout."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from hub.core.store.db import SQLITE_BUSY_TIMEOUT_MS, begin_immediate, create_engine

BUSY_WRITER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:  # holds the lock 30 ms, lets go for 2 ms, again and again
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t VALUES (1)")
    print("holding", flush=True)
    time.sleep(0.03)
    conn.execute("COMMIT")
    time.sleep(0.002)
"""


def test_a_writer_gets_in_between_the_transactions_of_a_busy_one(tmp_path) -> None:
    path = tmp_path / "w.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    other = subprocess.Popen([sys.executable, "-c", BUSY_WRITER, str(path), "3"], stdout=subprocess.PIPE)
    assert other.stdout is not None and other.stdout.readline()
    waits = []
    for _ in range(5):
        started = time.perf_counter()
        with engine.begin() as conn:
            waits.append(time.perf_counter() - started)
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        time.sleep(0.01)
    other.kill()
    other.communicate()
    # SQLite's own busy handler sleeps in steps growing to 100 ms and mostly misses
    # the 2 ms gaps (hundreds of ms per write); short sleeps catch one of the first.
    assert sorted(waits)[2] < 0.1, waits
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
    engine.dispose()


def test_begin_immediate_gives_up_after_the_timeout(tmp_path) -> None:
    path = tmp_path / "w.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, isolation_level=None)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        begin_immediate(waiter, 0.2)
    assert 0.2 <= time.monotonic() - started < 1.0
    assert not waiter.in_transaction
    holder.rollback()
    begin_immediate(waiter, 0.2)
    assert waiter.in_transaction
    waiter.rollback()


def test_a_locked_database_is_reported_as_an_sqlalchemy_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("hub.core.store.db.SQLITE_BUSY_TIMEOUT_MS", 100)
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    holder = sqlite3.connect(tmp_path / "w.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sa.exc.OperationalError, match="locked"):
        with engine.begin():
            pass
    holder.rollback()
    engine.dispose()

"""SQLite writers wait for each other with short sleeps, and give up after the timeout."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
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


def test_threads_of_one_engine_wait_for_a_locked_database_one_at_a_time(tmp_path) -> None:
    """While another process writes, one thread of the engine retries BEGIN; the others
    wait for their turn without trying (each try costs CPU), and all get in after."""
    path = tmp_path / "w.db"
    engine = create_engine(f"sqlite:///{path}")
    tries: dict[int, int] = {}

    def trace(statement: str) -> None:
        if statement == "BEGIN IMMEDIATE":
            tries[threading.get_ident()] = tries.get(threading.get_ident(), 0) + 1

    sa.event.listen(engine, "connect", lambda dbapi_connection, _: dbapi_connection.set_trace_callback(trace))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    tries.clear()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    def write(value: int) -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"INSERT INTO t VALUES ({value})")

    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 10
    while sum(tries.values()) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    trying = len(tries)
    holder.rollback()
    for writer in writers:
        writer.join(timeout=10)
    assert trying == 1, tries
    assert len(tries) == 4
    with engine.connect() as conn:
        assert sorted(conn.exec_driver_sql("SELECT x FROM t").scalars()) == [0, 1, 2, 3]
    engine.dispose()

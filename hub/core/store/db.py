"""Engine creation for the two supported databases.

SQLite is the embedded default: one file in WAL mode so readers never block the
writer, ``synchronous=NORMAL`` (safe with WAL: a power cut may lose the last commits
but never corrupts), writers that wait for each other instead of failing, and WAL
checkpoints on a background thread (``checkpoint``) rather than inside commits.
PostgreSQL is used when the URL says so, with the same code.

How SQLite writers wait: every write transaction takes the write lock at BEGIN
(IMMEDIATE). SQLite's own busy handler sleeps between tries in steps that grow to
100 ms, so under steady contention (workers recording while others enqueue) a waiter
oversleeps the moments the lock is free, by tens to hundreds of milliseconds. BEGIN
IMMEDIATE is therefore retried here with short sleeps (at most ``LOCK_RETRY_MAX_S``),
up to the same overall timeout; every other statement keeps SQLite's handler. Only one
thread per engine retries at a time; the others wait for their turn on a lock, which
costs no CPU: the HTTP server ingests each of the ERP's IDocs on a thread of its own,
and dozens of threads each trying every millisecond had made the waiting the largest
CPU cost of the server process.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from hub.core.store import checkpoint
from hub.core.store.urls import DatabaseUrlError

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_CACHE_KIB = 32 * 1024
LOCK_RETRY_FIRST_S = 0.00005
LOCK_RETRY_MAX_S = 0.001
"""First and longest sleep between two tries of BEGIN IMMEDIATE while another writer holds the lock."""


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: sa.Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's BEGIN (below) drive transactions instead of pysqlite's guesswork.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # SQLite's default page cache is about 2 MB; randomly keyed indexes (key map, match
    # keys) outgrow it early and every lookup then goes to the file.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    # Checkpoints run on a background thread (``checkpoint``); this is the safety net.
    cursor.execute(f"PRAGMA wal_autocheckpoint={checkpoint.WAL_AUTOCHECKPOINT_PAGES}")
    cursor.close()


READ_ONLY = "hub_read_only"
"""Execution option of connections that only read (see ``read_only``)."""


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


def begin_immediate(dbapi_connection: sqlite3.Connection, timeout_s: float,
                    turn: threading.Lock | None = None) -> None:
    """BEGIN IMMEDIATE, retried with short sleeps while another connection writes.

    Raises ``sqlite3.OperationalError`` (database is locked) after ``timeout_s``.
    The connection's busy handler is off meanwhile, so a try fails at once instead of
    sleeping in SQLite; the first try usually succeeds and costs two PRAGMAs extra.
    ``turn``, shared by the threads of one engine, lets one of them retry at a time
    (held only until its BEGIN succeeds or fails, never for its transaction); the time
    spent waiting for it counts against ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    if turn is None:
        _begin_retrying(dbapi_connection, deadline)
        return
    if not turn.acquire(timeout=timeout_s):
        raise sqlite3.OperationalError(f"database is locked: no turn to begin a write within {timeout_s} s")
    try:
        _begin_retrying(dbapi_connection, deadline)
    finally:
        turn.release()


def _begin_retrying(dbapi_connection: sqlite3.Connection, deadline: float) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        pause = LOCK_RETRY_FIRST_S
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, LOCK_RETRY_MAX_S)
    finally:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()


def _sqlite_begin_with(turn: threading.Lock) -> Callable[[sa.Connection], None]:
    """The engine's ``begin`` listener; ``turn`` is the engine's (see ``begin_immediate``)."""

    def begin(conn: sa.Connection) -> None:
        # IMMEDIATE takes the write lock at BEGIN, so two writers never deadlock upgrading
        # read locks. Read-only work begins deferred: on WAL it then takes no lock at all,
        # and frequent readers (idle workers polling) never queue up in front of writers.
        if conn.get_execution_options().get(READ_ONLY, False):
            conn.exec_driver_sql("BEGIN")
            return
        try:
            begin_immediate(cast(sqlite3.Connection, conn.connection.driver_connection),
                            SQLITE_BUSY_TIMEOUT_MS / 1000, turn)
        except sqlite3.OperationalError as exc:
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, exc) from exc

    return begin


def read_only(engine: sa.Engine) -> sa.Engine:
    """The same engine (and pool) for work that only reads: no write lock on SQLite."""
    return engine.execution_options(**{READ_ONLY: True})


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _checkpoint_in_background(engine: sa.Engine, path: str) -> None:
    checkpointer = checkpoint.for_file(path)

    def committed(conn: sa.Connection) -> None:
        if not conn.get_execution_options().get(READ_ONLY, False):
            checkpointer.committed()

    sa.event.listen(engine, "commit", committed)


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUrlError(f"cannot create the folder {folder} for the SQLite file: {exc.strerror}") from None


def create_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine for ``url``; creates the folder of a SQLite file if needed (DatabaseUrlError
    when it cannot).

    JSON columns go through orjson: documents are stored as JSON, and the standard
    library's encoder was the largest single cost of a bulk upsert.
    """
    url = normalise_url(url)
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _make_folder(Path(parsed.database).parent)
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **kwargs,
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin_with(threading.Lock()))
        if parsed.database and parsed.database != ":memory:":
            _checkpoint_in_background(engine, parsed.database)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    return sa.create_engine(url, **kwargs)

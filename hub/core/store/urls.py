"""Database URLs: which ones the hub can use, checked before anything connects.

Every message here fits on one line and never repeats the URL: it may carry a password.
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

EXAMPLES = "sqlite:///FILE or postgresql://USER@HOST/DATABASE"
DRIVERS = {"sqlite": ("pysqlite",), "postgresql": ("psycopg",), "postgres": ("psycopg",)}
"""Backends the hub supports, and the drivers it ships for them (the first is the default)."""


class DatabaseUrlError(ValueError):
    """A database URL the hub cannot use; the message never carries the URL."""


def check_database_url(url: str) -> URL:
    """``url`` parsed, when it names a supported backend and driver."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # SQLAlchemy's own message repeats the URL, password and all.
        raise DatabaseUrlError(f"cannot be read as a database URL; expected {EXAMPLES}") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend not in DRIVERS:
        raise DatabaseUrlError(f"database {backend!r} is not supported; use {EXAMPLES}")
    if driver and driver not in DRIVERS[backend]:
        raise DatabaseUrlError(
            f"driver {driver!r} is not supported for {backend}; leave it out ({DRIVERS[backend][0]} is used)")
    return parsed


def is_in_memory(parsed: URL) -> bool:
    """True for a SQLite database that lives in memory (``sqlite://``, ``:memory:``)."""
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database or ""
    return database in ("", ":memory:") or database.startswith("file::memory:") or parsed.query.get("mode") == "memory"


def require_persistent(url: str) -> None:
    """Refuse an in-memory SQLite URL: what a command writes there is gone when it ends."""
    if is_in_memory(check_database_url(url)):
        raise DatabaseUrlError(
            "an in-memory SQLite database is gone when the command ends; name a file, e.g. sqlite:///var/hub.db")

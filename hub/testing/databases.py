"""Throwaway databases for tests: a SQLite file, or a PostgreSQL schema of its own.

A schema per test (chosen through ``search_path`` in the URL) isolates tests on one
shared PostgreSQL server far more cheaply than a database per test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

from hub.core.store.db import create_engine, normalise_url

POSTGRES_ENV = "HUB_TEST_POSTGRES_URL"


def postgres_server_url() -> str | None:
    """The PostgreSQL server tests may use, or None."""
    return os.environ.get(POSTGRES_ENV) or None


def sqlite_url(folder: Path) -> str:
    """A URL for a new SQLite file in ``folder``."""
    return f"sqlite:///{folder / 'hub.db'}"


@contextmanager
def postgres_schema(server_url: str) -> Iterator[str]:
    """A URL whose connections live in a new, empty schema; dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in server_url else "?"
    url = normalise_url(server_url) + f"{separator}options={quote(f'-csearch_path={schema}')}"
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()

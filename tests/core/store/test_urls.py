"""Database URLs the hub can use, refused before anything connects, never repeated."""

from __future__ import annotations

import traceback

import pytest
from sqlalchemy.engine import make_url

from hub.core.store.urls import DatabaseUrlError, check_database_url, is_in_memory, require_persistent


@pytest.mark.parametrize("url", [
    "sqlite:///var/hub.db", "sqlite+pysqlite:////tmp/hub.db", "postgresql://hub@db/hub",
    "postgres://hub:pw@db:5433/hub", "postgresql+psycopg://hub@db/hub",
])
def test_supported_urls_pass(url: str) -> None:
    assert check_database_url(url).database


@pytest.mark.parametrize(("url", "reason"), [
    ("var/hub.db", "cannot be read as a database URL"),
    ("postgresql://hub:s3cret@db:fivefourthreetwo/hub", "cannot be read as a database URL"),
    ("mysql://hub:s3cret@db/hub", "database 'mysql' is not supported"),
    ("postgresql+psycopg2://hub:s3cret@db/hub", "driver 'psycopg2' is not supported for postgresql"),
])
def test_unusable_urls_are_refused_in_one_line_without_the_password(url: str, reason: str) -> None:
    with pytest.raises(DatabaseUrlError) as caught:
        check_database_url(url)
    message = str(caught.value)
    assert message.startswith(reason) and "\n" not in message
    # Not even a --debug traceback repeats it (SQLAlchemy's own parse error would).
    assert "s3cret" not in "".join(traceback.format_exception(caught.value))


@pytest.mark.parametrize(("url", "in_memory"), [
    ("sqlite://", True), ("sqlite:///:memory:", True), ("sqlite:///file::memory:?uri=true", True),
    ("sqlite:///file:hub?mode=memory&uri=true", True), ("sqlite:///var/hub.db", False),
    ("postgresql://hub@db/hub", False),
])
def test_in_memory_sqlite_is_recognised(url: str, in_memory: bool) -> None:
    assert is_in_memory(make_url(url)) is in_memory


def test_in_memory_sqlite_is_refused_where_the_hub_must_persist() -> None:
    with pytest.raises(DatabaseUrlError, match="in-memory SQLite database is gone when the command ends"):
        require_persistent("sqlite://")
    require_persistent("sqlite:///var/hub.db")

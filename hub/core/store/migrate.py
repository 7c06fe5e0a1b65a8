"""Schema migrations through Alembic: create a new database or upgrade an old one.

Never drop-and-recreate: ``upgrade`` only ever runs forward migrations, so data in a
database made by an older hub survives.

SQLAlchemy is imported inside the functions: the quick command-line status
(``hub.cli.quick_status``) reads ``HEAD_REVISION`` from here and must not pay for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlalchemy as sa

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD_REVISION = "0021"
"""The newest migration; a test checks it against Alembic's own answer. Kept as a
constant so that checking a database's schema (every CLI command does) needs no Alembic."""
VERSION_TABLE = "alembic_version"


def _config(connection: sa.Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    return HEAD_REVISION


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(VERSION_TABLE):
            return None
        return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar_one_or_none()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default)."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)

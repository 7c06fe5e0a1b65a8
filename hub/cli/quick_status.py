"""``hub status`` as a command of its own, answered without SQLAlchemy or pydantic.

An administrator runs ``hub status`` again and again, and scripts run it every few
seconds; a fresh Python process that imports SQLAlchemy, pydantic, click and the
plugins' settings spends several times longer starting than the status query takes,
even with a million messages stored. So the ``hub`` command (``hub.cli.entry``) first
offers the command line here, before importing any of them: when
it is a plain ``hub status`` (``--json``, ``--all``, ``--limit N``, ``--system S``,
``--config PATH``), the configuration as it stands passed the full check before
(``hub.core.config.stamp``), and the database is a SQLite file or PostgreSQL at this
code's schema revision, the status is read through the database driver
(``hub.core.queue.status_sql``) and printed by the same code as the full command
(``hub.cli.status_text``). Anything else (``--watch``, ``--debug``, ``--help``, a
configuration not checked yet, a database to be created or upgraded, a driver error)
returns None, and the full command runs and reports as it always does.

The database URL comes from where the settings take it (``HUB_DATABASE_URL``, else
``database_url`` in the configuration file, else the default); the stamp says that
same file and environment passed the full check, so the value is one the full command
accepts.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from hub.core.config.stamp import config_file, was_checked

DEFAULT_DATABASE_URL = "sqlite:///var/hub.db"
"""As the default of ``HubSettings.database_url`` (a test checks they agree)."""
SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgresql+psycopg://", "postgres://")
SQLITE_BUSY_TIMEOUT_S = 30.0


class NotQuick(Exception):
    """This command line is for the full command."""


def _options(args: list[str]) -> tuple[str | None, dict[str, Any]]:
    """(``--config`` value, the status options) of ``hub [--config P] status [OPTIONS]``."""
    config: str | None = None
    options: dict[str, Any] = {"as_json": False, "limit": 100, "system": None}
    rest = iter(args)
    seen_status = False
    for arg in rest:
        name, has_value, value = arg.partition("=")
        if name in ("--config", "--limit", "--system") and not has_value:
            value = next(rest, "")
        if arg == "status" and not seen_status:
            seen_status = True
        elif name == "--config" and not seen_status and value:
            config = value
        elif seen_status and arg == "--json":
            options["as_json"] = True
        elif seen_status and arg == "--all":
            options["limit"] = None
        elif seen_status and name == "--limit" and value.isdigit() and int(value) >= 1:
            options["limit"] = int(value)
        elif seen_status and name == "--system" and value:
            options["system"] = value
        else:
            raise NotQuick(arg)
    if not seen_status:
        raise NotQuick("no status command")
    return config, options


def _database_url(config_path: str | None) -> str:
    url = os.environ.get("HUB_DATABASE_URL")
    if url:
        return url
    path = config_file(config_path)
    if path.exists():
        with path.open("rb") as file:
            configured = tomllib.load(file).get("database_url")
        if isinstance(configured, str):
            return configured
    return DEFAULT_DATABASE_URL


@contextmanager
def _reader(url: str) -> Iterator[Any]:
    from hub.core.queue.status_sql import Reader

    if url.startswith(SQLITE_PREFIX) and "?" not in url and ":memory:" not in url:
        import sqlite3

        path = url[len(SQLITE_PREFIX):]
        if not path or not os.path.isfile(path):
            raise NotQuick("no database file: the full command reports it")
        connection = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            # One read transaction: every query sees the same moment, and on WAL it takes no lock.
            connection.execute("BEGIN")
            yield Reader(connection, "sqlite", sqlite3.OperationalError)
        finally:
            connection.close()
    elif url.startswith(POSTGRES_PREFIXES):
        import psycopg

        conninfo = "postgresql://" + url.split("://", 1)[1]
        with psycopg.connect(conninfo) as pg_connection:
            pg_connection.read_only = True
            yield Reader(pg_connection, "postgresql", psycopg.errors.UndefinedTable)
    else:
        raise NotQuick("not a database URL the quick path reads")


def quick_status(args: list[str]) -> bool:
    """Answer ``hub status`` here when ``args`` allow it (see the module's docstring);
    True when it was answered, False when the full command must run."""
    try:
        config, options = _options(args)
        if not was_checked(config):
            return False
        return _answer(_database_url(config), options)
    except NotQuick:
        return False


def _answer(url: str, options: dict[str, Any]) -> bool:
    from hub.core.queue import status_sql
    from hub.core.store.migrate import HEAD_REVISION

    try:
        with _reader(url) as reader:
            if reader.revision() != HEAD_REVISION:
                return False
            now = datetime.now(UTC)
            report = status_sql.queue_status(reader, now, options["limit"], options["system"])
            inbound = status_sql.inbound_attention(reader, options["system"])
            accepted = status_sql.inbox_waiting(reader, options["system"])
    except NotQuick:
        return False
    except Exception as exc:
        # A driver's error (locked, unreachable, a schema it does not expect): the full
        # command meets it again and reports it in the hub's own words.
        if type(exc).__module__.split(".")[0] in ("sqlite3", "psycopg"):
            return False
        raise
    if options["as_json"]:
        import orjson

        # As ``hub.cli.output.print_json`` writes it (a test compares the two commands' output).
        data = {**report.as_dict(), "inbound": inbound, "inbox_waiting": accepted}
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")
    else:
        from hub.cli.status_text import for_output, report_text, terminal_width

        sys.stdout.write(for_output(report_text(report, inbound, accepted, terminal_width())) + "\n")
    sys.stdout.flush()
    return True

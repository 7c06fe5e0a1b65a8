"""Printing for the CLI: JSON for scripts (``--json``), rich tables for people.

rich is imported on first use of ``console``, ``error_console`` or ``print_table``:
commands that print JSON or plain lines (``hub status``) start without it.

Nothing printed is ever cut. Off a terminal (a pipe, a log file) rich would lay
everything out for 80 columns and shorten ids to ``so_01M974E…``, which an
administrator then cannot copy from the log: there the console is as wide as the
widest line (``PIPE_WIDTH``). On a terminal a cell too long for its column folds onto
the next line rather than losing its end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

import click
import orjson

if TYPE_CHECKING:
    from rich.console import Console

    console: Console
    error_console: Console


PIPE_WIDTH = 100_000
"""Line width off a terminal: wide enough that no table or line is ever shortened."""


@cache
def _console(stderr: bool) -> Console:
    from rich.console import Console

    console = Console(stderr=stderr)
    if not console.is_terminal:
        console.width = PIPE_WIDTH
    return console


def __getattr__(name: str) -> Any:
    """``console`` (stdout) and ``error_console`` (stderr), made when first asked for."""
    if name == "console":
        return _console(False)
    if name == "error_console":
        return _console(True)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout (plain, no colour codes).

    orjson writes the same text as ``json.dumps(indent=2)`` (datetimes in ISO 8601) about
    twenty times faster, which matters for ``hub status --all --json`` on 100,000 queues.
    """
    click.echo(orjson.dumps(data, default=_default, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode())


def print_table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None
) -> None:
    """Print rows as a table; values are shown with ``str``, None as empty, never cut,
    and as plain text: a value that looks like rich markup (``[red]``) is printed as is."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    _console(False).print(table)


def escape(text: str) -> str:
    """``text`` with rich markup escaped, for a line printed through ``console``."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")

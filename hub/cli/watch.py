"""Refreshing a screen of text in place, like ``top`` (``hub status --watch``).

On a terminal the text is redrawn where it stands (rich's ``Live``), cut to the
terminal's height rather than scrolling, with a line saying when it was read; Ctrl-C
ends the watch and leaves the last screen in view. Off a terminal (a pipe, a log) each
refresh is printed after the previous one, whole, with its time, so nothing is lost
and nothing is cut.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime

import click


def _stamped(text: str, interval: float) -> str:
    return f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S %Z}, every {interval:g}s (Ctrl-C to stop)\n\n{text}"


def watch_in_place(render: Callable[[], str], interval: float) -> None:
    """Show ``render()`` every ``interval`` seconds until interrupted."""
    try:
        if not sys.stdout.isatty():
            while True:
                click.echo(_stamped(render(), interval) + "\n")
                time.sleep(interval)
        from rich.live import Live
        from rich.text import Text

        from hub.cli.output import console

        with Live(console=console, auto_refresh=False, vertical_overflow="crop") as live:
            while True:
                live.update(Text.from_ansi(_stamped(render(), interval)), refresh=True)
                time.sleep(interval)
    except KeyboardInterrupt:
        return

"""``hub status``: queues with work or trouble, the worst first, for people and scripts.

People get plain aligned columns (``hub.cli.status_text``); scripts take ``--json``.
Run as a command of its own (``hub status`` in a shell), the status is usually
answered by ``hub.cli.quick_status`` before this module is even imported; this is the
full command, for ``--watch``, ``--debug``, a configuration not checked yet, and every
caller in-process.
"""

from __future__ import annotations

import time

import click

from hub.cli.context import pass_runtime
from hub.cli.output import json_option, print_json
from hub.cli.status_text import ERROR_MIN_WIDTH, format_age, report_text, table_lines, terminal_width
from hub.cli.watch import watch_in_place
from hub.core.queue.messages import utcnow
from hub.core.queue.status import StatusReport, queue_status
from hub.core.runtime import HubRuntime
from hub.core.store.db import read_only
from hub.core.store.inbound_counts import inbound_attention, inbox_waiting

__all__ = ["ERROR_MIN_WIDTH", "format_age", "status", "table_lines"]


@click.command()
@click.option("--watch", is_flag=True, help="Refresh in place, like top, until Ctrl-C (with --json: one JSON"
              " document per refresh).")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Seconds between refreshes.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="Most queues listed, the worst first.")
@click.option("--all", "show_all", is_flag=True, help="List every queue with work or trouble.")
@click.option("--system", default=None, help="Only queues of this system.")
@json_option
@pass_runtime
def status(runtime: HubRuntime, watch: bool, interval: float, limit: int, show_all: bool,
           system: str | None, as_json: bool) -> None:
    """One row per queue with work or trouble: state, depth, oldest age, attempts, last error.

    Blocked queues come first, then stopped ones, then the deepest; the totals count
    every queue, however many are listed. A line below them counts the inbound
    documents that failed or conflict with one received before, per system.
    """
    # Read-only: on SQLite the status takes no write lock, so it neither waits for
    # busy workers nor holds them up.
    engine = read_only(runtime.require_schema())

    def read() -> tuple[StatusReport, dict[str, dict[str, int]], int]:
        with engine.connect() as conn:
            return (queue_status(conn, utcnow(), limit=None if show_all else limit, system=system),
                    inbound_attention(conn, system), inbox_waiting(conn, system))

    if as_json:
        while True:
            report, inbound, accepted = read()
            print_json({**report.as_dict(), "inbound": inbound, "inbox_waiting": accepted})
            if not watch:
                return
            time.sleep(interval)
    if not watch:
        # One write: with --all there may be 100,000 lines.
        click.echo(report_text(*read(), terminal_width()))
        return
    watch_in_place(lambda: report_text(*read(), terminal_width()), interval)


commands = [status]

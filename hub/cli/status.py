"""``hub status``: queues with work or trouble, the worst first, for people and scripts.

People get plain aligned columns rather than a rich table: rich measures and wraps
every cell, which cost more than the status query itself, and plain columns stay
readable in a pipe (``grep``, ``less``). Scripts take ``--json``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence

import click

from hub.cli.context import pass_runtime
from hub.cli.output import json_option, print_json
from hub.cli.watch import watch_in_place
from hub.core.queue.messages import utcnow
from hub.core.queue.status import QueueView, StatusReport, queue_status
from hub.core.runtime import HubRuntime
from hub.core.store.db import read_only
from hub.core.store.inbound_counts import inbound_attention, inbox_waiting

HEADERS = ("queue", "state", "depth", "oldest", "attempts", "last error")
RIGHT_ALIGNED = frozenset({"depth", "oldest", "attempts"})
FALLBACK_WIDTH = 120
"""Line width when stdout is not a terminal (and ``COLUMNS`` is not set)."""
ERROR_MIN_WIDTH = 20
"""The last error keeps at least this many characters however narrow the terminal is."""
STATE_COLOURS = {"blocked": "red", "stopped": "yellow"}


def format_age(seconds: float | None) -> str:
    """``42.0s``, ``13.5m``, ``2.0h``, ``3.1d``; empty when unknown."""
    if seconds is None:
        return ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.1f}s"


def _one_line(text: str | None, width: int) -> str:
    """Whitespace (newlines of a traceback, say) folded to single spaces, cut to ``width``."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def summary_lines(report: StatusReport) -> list[str]:
    """The totals, and which part of the queues the table shows when it is not all of them."""
    t = report.totals
    lines = [
        f"{t['queues']:,} queue(s) with work or trouble, {t['messages_waiting']:,} message(s) waiting; "
        f"blocked {t['blocked']:,}, stopped {t['stopped']:,}, running {t['running']:,}"
    ]
    if len(report.queues) < t["queues"]:
        lines.append(f"showing the worst {len(report.queues):,} (blocked, stopped, then the deepest); "
                     "--limit N or --all for more")
    return lines


def table_lines(queues: Sequence[QueueView], width: int) -> list[str]:
    """A header and one line per queue, columns aligned, the last error cut to fit ``width``.

    Queue names are never cut: an admin needs them whole to act on a queue.
    """
    cells = [(q.queue, q.state, str(q.depth), format_age(q.oldest_age_s), str(q.attempts or ""))
             for q in queues]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(HEADERS[:-1])]
    error_width = max(ERROR_MIN_WIDTH, width - sum(widths) - 2 * len(widths))

    def line(values: Sequence[str], error: str) -> str:
        padded = [v.rjust(w) if h in RIGHT_ALIGNED else v.ljust(w)
                  for h, v, w in zip(HEADERS[:-1], values, widths, strict=True)]
        return "  ".join([*padded, error]).rstrip()

    return [line(HEADERS[:-1], HEADERS[-1])] + [
        line(row, _one_line(q.last_error, error_width)) for row, q in zip(cells, queues, strict=True)
    ]


def inbound_line(counts: dict[str, dict[str, int]], accepted: int = 0) -> str:
    """One line on inbound documents waiting for an administrator, per system, and on
    payloads accepted but not yet posted."""
    pending = f"; {accepted:,} accepted, waiting to be posted" if accepted else ""
    if not counts:
        return f"inbound: nothing failed or in conflict{pending}"
    totals: dict[str, int] = {}
    for statuses in counts.values():
        for state, n in statuses.items():
            totals[state] = totals.get(state, 0) + n
    per_system = "; ".join(f"{system} " + ", ".join(f"{n:,} {state}" for state, n in statuses.items())
                           for system, statuses in counts.items())
    return (f"inbound: {', '.join(f'{n:,} {state}' for state, n in sorted(totals.items()))} ({per_system});"
            f" see `hub inbound list --state failed`{pending}")


def report_text(report: StatusReport, inbound: dict[str, dict[str, int]], accepted: int, width: int) -> str:
    """The whole status for people: totals, inbound line and the table, one string
    (with ANSI colours for blocked and stopped queues)."""
    out = [*summary_lines(report), inbound_line(inbound, accepted)]
    if report.queues:
        header, *rows = table_lines(report.queues, width)
        out += ["", click.style(header, bold=True)]
        for text, queue in zip(rows, report.queues, strict=True):
            colour = STATE_COLOURS.get(queue.state)
            out.append(click.style(text, fg=colour) if colour else text)
    return "\n".join(out)


def _width() -> int:
    return shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns


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
        click.echo(report_text(*read(), _width()))
        return
    watch_in_place(lambda: report_text(*read(), _width()), interval)


commands = [status]

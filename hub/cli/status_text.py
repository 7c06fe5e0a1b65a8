"""The text of ``hub status`` for people: totals, the inbound line and the queue table.

Plain aligned columns rather than a rich table: rich measures and wraps every cell,
which cost more than the status query itself, and plain columns stay readable in a
pipe (``grep``, ``less``). Queue names are never cut. This module imports nothing
beyond the standard library, so the quick command-line status (``hub.cli.quick_status``)
prints exactly what the full command prints without importing click: its colours are
the ANSI codes ``click.style`` writes (a test compares them), and ``for_output`` drops
them off a terminal as ``click.echo`` does.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Sequence

from hub.core.queue.status_view import QueueView, StatusReport

HEADERS = ("queue", "state", "depth", "oldest", "attempts", "last error")
RIGHT_ALIGNED = frozenset({"depth", "oldest", "attempts"})
FALLBACK_WIDTH = 120
"""Line width when the terminal's width cannot be read."""
ERROR_MIN_WIDTH = 20
"""The last error keeps at least this many characters however narrow the terminal is."""
STATE_COLOURS = {"blocked": "red", "stopped": "yellow"}
ANSI = {"bold": "\x1b[1m", "red": "\x1b[31m", "yellow": "\x1b[33m", "reset": "\x1b[0m"}
_ANSI_CODE = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")


def format_age(seconds: float | None) -> str:
    """``42.0s``, ``13.5m``, ``2.0h``, ``3.1d``; empty when unknown."""
    if seconds is None:
        return ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.1f}s"


def _one_line(text: str | None, width: int | None) -> str:
    """Whitespace (newlines of a traceback, say) folded to single spaces, cut to ``width``."""
    flat = " ".join((text or "").split())
    return flat if width is None or len(flat) <= width else flat[: width - 1] + "…"


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


def table_lines(queues: Sequence[QueueView], width: int | None) -> list[str]:
    """A header and one line per queue, columns aligned, the last error cut to fit
    ``width`` (None: never cut, as in a pipe or a log).

    Queue names are never cut: an admin needs them whole to act on a queue.
    """
    cells = [(q.queue, q.state, str(q.depth), format_age(q.oldest_age_s), str(q.attempts or ""))
             for q in queues]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(HEADERS[:-1])]
    error_width = None if width is None else max(ERROR_MIN_WIDTH, width - sum(widths) - 2 * len(widths))

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


def report_text(report: StatusReport, inbound: dict[str, dict[str, int]], accepted: int,
                width: int | None) -> str:
    """The whole status for people: totals, inbound line and the table, one string
    (with ANSI colours for blocked and stopped queues)."""
    out = [*summary_lines(report), inbound_line(inbound, accepted)]
    if report.queues:
        header, *rows = table_lines(report.queues, width)
        out += ["", f"{ANSI['bold']}{header}{ANSI['reset']}"]
        for text, queue in zip(rows, report.queues, strict=True):
            colour = STATE_COLOURS.get(queue.state)
            out.append(f"{ANSI[colour]}{text}{ANSI['reset']}" if colour else text)
    return "\n".join(out)


def terminal_width() -> int | None:
    """The width to fit lines to: the terminal's, or ``COLUMNS`` when set; None (cut
    nothing) off a terminal, where the lines go to a pipe or a log and an error text
    may carry an id or a number the administrator needs whole."""
    if "COLUMNS" not in os.environ and not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns


def for_output(text: str) -> str:
    """``text`` as it goes to stdout: with its colours on a terminal, without them elsewhere."""
    return text if sys.stdout.isatty() else _ANSI_CODE.sub("", text)

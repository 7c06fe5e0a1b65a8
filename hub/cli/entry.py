"""The ``hub`` console script: a plain ``hub status`` is answered by
``hub.cli.quick_status`` before click, SQLAlchemy or pydantic is imported; every other
command line goes to the full command (``hub.cli.main``)."""

from __future__ import annotations

import sys

INTERRUPTED = 130
"""Exit status after Ctrl-C outside a command that handles it (128 + SIGINT, as shells report it)."""


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point.

    Ctrl-C while the hub is still starting (imports take seconds on a busy machine) ends
    it with status 130 and one line, not a traceback of whatever module was loading.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        from hub.cli.quick_status import quick_status

        if quick_status(args):
            return
        from hub.cli.main import main as full

        full(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED)

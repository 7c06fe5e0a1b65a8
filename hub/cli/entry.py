"""The ``hub`` console script: a plain ``hub status`` is answered by
``hub.cli.quick_status`` before click, SQLAlchemy or pydantic is imported; every other
command line goes to the full command (``hub.cli.main``)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    args = list(sys.argv[1:] if argv is None else argv)
    from hub.cli.quick_status import quick_status

    if quick_status(args):
        return
    from hub.cli.main import main as full

    full(args)

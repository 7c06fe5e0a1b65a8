"""``hub demo``: every plugin's part, run against one live hub, end to end.

Each plugin that registers a ``DemoSpec`` starts its simulated peers first (an ERP, a
shop, the tills) and says its settings table; then one hub is built with all of them
(``LiveHub``: a fresh SQLite file, the HTTP server on 127.0.0.1, quick retries so that
a failure shows within seconds), and each part runs against it in order, printing what
it does. The parts talk to each other only through the hub, as the plugins do. The demo
ends with the finale (``hub.testing.finale``): the 360-degree view of a customer who
bought in a web shop and in a store; then with what did not happen, if anything
(``hub demo`` exits 1 then).
"""

from __future__ import annotations

import secrets
import shutil
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import click

from hub.core.plugins.contracts import DemoPart, DemoStage
from hub.core.runtime import HubRuntime
from hub.testing.finale import show_finale
from hub.testing.live import LiveHub

USERNAME = "demo"
QUICK_RETRIES = {"retry": {"max_attempts": 3, "multiplier": 0.2, "min_wait": 0.2, "max_wait": 1.0},
                 "poll_interval": 0.05}
"""Retries a demo can wait for: a failing peer blocks its queue within seconds."""


@dataclass
class DemoOutcome:
    """What the demo did: its parts, how long it took, and what did not happen."""

    parts: list[str]
    seconds: float
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every part did what it shows."""
        return not self.problems


def run_demo(runtime: HubRuntime, work: Path, records: int) -> DemoOutcome:
    """Run every registered demo part (``runtime`` names the installed plugins) in a
    fresh folder ``work``; returns what happened."""
    started = time.monotonic()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    specs = runtime.plugins.demos()
    if not specs:
        return DemoOutcome([], 0.0, ["no installed plugin brings a demo part"])
    password = secrets.token_urlsafe(12)
    outcome = DemoOutcome([name for name, _ in specs], 0.0)
    with ExitStack() as stack:
        parts: list[tuple[str, DemoPart]] = []
        for name, spec in specs:
            part = spec.start(DemoStage(work / name, USERNAME, password, records))
            stack.callback(part.close)
            parts.append((name, part))
        hub = stack.enter_context(LiveHub(work / "hub", {name: part.settings for name, part in parts},
                                          username=USERNAME, password=password, queue=QUICK_RETRIES))
        click.secho(f"hub at {hub.url}; parts: {', '.join(outcome.parts)}", fg="cyan")
        for name, part in parts:
            click.secho(f"\n== {name} ==", bold=True)
            outcome.problems += [f"{name}: {problem}" for problem in part.run(hub)]
        outcome.problems += [f"finale: {problem}" for problem in show_finale(hub)]
    outcome.seconds = time.monotonic() - started
    return outcome

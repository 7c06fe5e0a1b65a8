"""``hub demo``: the whole landscape, simulated on this machine, end to end."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.context import pass_runtime
from hub.core.runtime import HubRuntime


@click.command("demo")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("var/demo"),
              show_default=True, help="Fresh folder for the demo's database and files (emptied first).")
@click.option("--records", type=click.IntRange(20, 100_000), default=200, show_default=True,
              help="Customers and products the simulated ERP holds and the hub loads.")
@pass_runtime
def demo(runtime: HubRuntime, workdir: Path, records: int) -> None:
    """Every plugin's part of the demo against one live hub and their simulators; exits 1
    if any step did not happen."""
    from hub.testing.demo import run_demo

    outcome = run_demo(runtime, workdir, records)
    for problem in outcome.problems:
        click.secho(f"PROBLEM: {problem}", fg="red")
    verdict = "demo complete" if outcome.ok else "demo FAILED"
    click.secho(f"{verdict} in {outcome.seconds:.1f} s", fg="green" if outcome.ok else "red", bold=True)
    if not outcome.ok:
        raise click.exceptions.Exit(1)


commands = [demo]

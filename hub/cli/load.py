"""``hub load PLUGIN OBJECT``: an initial load with a progress bar, resumable."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hub.cli.context import pass_runtime
from hub.cli.output import error_console, json_option, print_json
from hub.core.runtime import HubRuntime


@click.command()
@click.argument("plugin")
@click.argument("object_name", metavar="OBJECT")
@click.option("--source", help="Where to load from (a file); default: the plugin's configured peer.")
@click.option("--restart", is_flag=True, help="Start again from the first record instead of resuming.")
@click.option("--duplicate-check/--no-duplicate-check", default=True, show_default=True,
              help="Check partners for duplicates while loading.")
@json_option
@pass_runtime
def load(runtime: HubRuntime, plugin: str, object_name: str, source: str | None, restart: bool,
         duplicate_check: bool, as_json: bool) -> None:
    """Initial load of OBJECT (e.g. customers, products) from PLUGIN's system.

    A load of 50,000 documents or more, from a source the plugin can cut into parts,
    is parsed and mapped by the hub's ingest pool (ingest_workers processes) and posted
    in the source's order; smaller loads run in this process.
    """
    spec, job = runtime.initial_load(plugin, object_name, duplicate_check)
    opened = spec.open(runtime.plugin_context(plugin), source)
    columns = [TextColumn(f"{plugin} {object_name}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn()]
    with Progress(*columns, console=error_console, disable=as_json) as progress:
        task = progress.add_task("load", total=opened.total)
        result = job.run(opened.documents, opened.source, opened.key,
                         on_progress=lambda done: progress.update(task, completed=done), restart=restart,
                         parts=opened.parts, total=opened.total)
    summary = {"key": result.key, "status": result.status, "done": result.done, "failed": result.failed,
               "created": result.created, "changed": result.changed, "resumed_from": result.resumed_from,
               "processes": result.processes, "errors": result.errors}
    if as_json:
        print_json(summary)
    else:
        resumed = f" (resumed after {result.resumed_from:,})" if result.resumed_from else ""
        click.echo(f"{plugin} {object_name}: {result.done:,} records{resumed}, {result.created:,} created, "
                   f"{result.changed:,} changed, {result.failed:,} failed")
        for error in result.errors:
            click.echo(f"  {error}", err=True)
    if result.failed:
        raise click.exceptions.Exit(1)


commands = [load]

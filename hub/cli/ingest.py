"""``hub ingest``: take files in as if a system had sent them."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from pathlib import Path

import click

from hub.cli.context import pass_runtime
from hub.cli.output import json_option, print_json, print_table
from hub.core.errors import HubError
from hub.core.inbound.outcome import IngestOutcome, summarise
from hub.core.inbound.pool import IngestJob, IngestPool, IngestPoolError
from hub.core.payload import read_payload
from hub.core.runtime import HubRuntime


@click.command()
@click.argument("plugin")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_runtime
def ingest(runtime: HubRuntime, plugin: str, files: tuple[Path, ...], as_json: bool) -> None:
    """Ingest FILES from PLUGIN's system: archive, map, store, enqueue.

    Exits 1 if any document failed or conflicts with one received before under the same
    key (kept, not posted); a file that cannot be parsed stores nothing, and a file above
    max_payload_bytes is refused unread (the other files still go in). Several files are
    parsed and mapped side by side by the hub's ingest pool (ingest_workers) and posted
    one after the other, in the order given; so are the parts of one large file
    (ingest_pool_min_documents).
    """
    outcomes: list[IngestOutcome] = []
    file_errors: list[dict[str, str]] = []
    for path, found, refusal in _ingested(runtime, plugin, files):
        outcomes.extend(found)
        if refusal is not None:
            file_errors.append({"file": str(path), "error": refusal})
    if as_json:
        print_json({"summary": summarise(outcomes), "documents": [o.as_dict() for o in outcomes],
                    "file_errors": file_errors})
    else:
        if outcomes:
            print_table(["source", "type", "document", "status", "hub id", "version"],
                        [(Path(o.source).name, o.message_type, o.document_id, o.status, o.hub_id, o.version)
                         for o in outcomes], title="Ingested documents")
        for o in outcomes:
            if o.error:
                what = "note" if o.status == "duplicate" else o.status
                click.echo(f"{what}: {o.message_type} {o.document_id}: {o.error}"
                           + (f" (this version: payload {o.payload_id})" if o.status == "conflict" else ""), err=True)
        for error in file_errors:
            click.echo(f"error: {error['file']}: {error['error']}", err=True)
        counts = sorted(summarise(outcomes).items())
        click.echo(", ".join(f"{n} {status}" for status, n in counts) or "nothing ingested")
    if file_errors or any(o.failed for o in outcomes):
        raise click.exceptions.Exit(1)


def _ingested(runtime: HubRuntime, plugin: str,
              files: tuple[Path, ...]) -> Iterator[tuple[Path, list[IngestOutcome], str | None]]:
    """Each file in order, with its documents' outcomes or why it was refused whole: one
    file in this process (a large one cut into parts for the ingest pool), several
    through the ingest pool when the hub has one, as a file port takes a folder of
    waiting files."""
    pool = _started_pool(runtime, plugin) if len(files) > 1 else None
    if pool is not None:
        jobs = (IngestJob(str(path), path=str(path), content_type=_content_type(path)) for path in files)
        for result in pool.run(jobs):
            yield Path(str(result.job.path)), result.outcomes, result.error
        return
    for path in files:
        try:
            payload = read_payload(path, str(path), runtime.settings.max_payload_bytes)
            yield path, runtime.ingest_payload(plugin, payload, str(path), _content_type(path)), None
        except HubError as exc:
            yield path, [], str(exc)


def _started_pool(runtime: HubRuntime, plugin: str) -> IngestPool | None:
    pool = runtime.ingest_pool(plugin)
    if pool is None:
        return None
    try:
        pool.start()
    except IngestPoolError as exc:
        click.echo(f"note: ingesting the files one by one: {exc}", err=True)
        return None
    return pool


def _content_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


commands = [ingest]

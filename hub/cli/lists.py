"""``hub import``: lists of prospects (CSV, XLSX) turned into partners, and their review."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import orjson

from hub.cli.context import pass_runtime
from hub.cli.output import console, error_console, escape, json_option, print_json, print_table
from hub.core.lists import review as reviewing, state
from hub.core.lists.listformat import RowMapper, check_header, find_format, load_formats
from hub.core.lists.rows import ListSource
from hub.core.lists.source import open_list
from hub.core.lists.tables import ListImportRow
from hub.core.runtime import HubRuntime
from hub.core.store.db import read_only

DRY_RUN_ROWS = 20
TABLE_ROWS = 5000
"""``hub import show --rows`` prints a table up to this many rows, tab-separated lines beyond."""
DEFAULT_BATCH = 2000


@click.group("import")
def import_group() -> None:
    """Lists of prospects (CSV, XLSX) into partners: import, show, review, decide."""


@import_group.command("partners")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "format_name", required=True, help="The list format (a mapping table with format: csv).")
@click.option("--list", "list_name", required=True, help="The list's name: a rerun with it resumes the import.")
@click.option("--encoding", help="The CSV file's encoding (default: detected, UTF-8 or cp1252).")
@click.option("--delimiter", help="The CSV file's delimiter (default: detected among , ; tab |).")
@click.option("--quote", help="The CSV file's quote character (default: \").")
@click.option("--header-row", default=1, show_default=True, type=click.IntRange(1),
              help="The row that names the columns (title lines above it are skipped).")
@click.option("--dry-run", is_flag=True, help="Map the first rows and show them with their problems; write nothing.")
@click.option("--first", default=DRY_RUN_ROWS, show_default=True, help="How many rows --dry-run maps.")
@click.option("--batch-size", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(1, 100_000),
              help="Rows per transaction (a rerun after a crash repeats at most one batch's work).")
@json_option
@pass_runtime
def partners(runtime: HubRuntime, file: Path, format_name: str, list_name: str, encoding: str | None,
             delimiter: str | None, quote: str | None, header_row: int, dry_run: bool, first: int, batch_size: int,
             as_json: bool) -> None:
    """Import FILE as list NAME: rows mapped by the format, checked for duplicates within
    the list and against the hub's partners, then created, linked or held for review.
    Run it again after an interruption: it carries on where it stopped."""
    if not list_name.strip() or len(list_name) > 120:
        raise click.BadParameter("a list name is 1 to 120 characters", param_hint="--list")
    table = find_format(load_formats(runtime.mapping_folders()), format_name)
    source = open_list(file, encoding=encoding, delimiter=delimiter, quote=quote, header_row=header_row)
    check_header(table, source.file, source.header)
    mapper = RowMapper(table, list_name)
    if dry_run:
        _dry_run(source, mapper, first, as_json)
        return
    _import(runtime, source, mapper, file, batch_size, as_json)


def _dry_run(source: ListSource, mapper: RowMapper, first: int, as_json: bool) -> None:
    shown: list[dict[str, Any]] = []
    for row in source.rows():
        if len(shown) >= first:
            break
        mapped = mapper.map(row)
        shown.append({
            "row": mapped.number, "key": mapped.key,
            "partner": mapped.partner.model_dump(mode="json", exclude_unset=True) if mapped.partner else None,
            "problems": [{"column": p.column, "reason": p.reason, "action": p.action} for p in mapped.problems],
        })
    if as_json:
        print_json({"file": source.file, "columns": source.header, "rows": shown})
    else:
        attributes = "marketing_attributes"
        print_table(["row", "key", "partner", attributes, "problems"],
                    [(item["row"], item["key"], describe(item["partner"]) if item["partner"] else "FAILS",
                      "\n".join(f"{k}: {v}" for k, v in (item["partner"] or {}).get(attributes, {}).items()),
                      "\n".join(f"{p['action']}: {p['column'] or 'row'}: {p['reason']}" for p in item["problems"]))
                     for item in shown],
                    title=f"{source.file}: the first {len(shown)} row(s) mapped with format"
                          f" {mapper.table.inbound_types[0]} ({mapper.table.file}); nothing written")
    if any(item["partner"] is None for item in shown):
        raise click.exceptions.Exit(1)


def _import(runtime: HubRuntime, source: ListSource, mapper: RowMapper, file: Path, batch_size: int,
            as_json: bool) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from hub.core.lists.dedupe import Deduplicator
    from hub.core.lists.importer import ListImporter
    from hub.core.lists.report import errors_path, write_errors
    from hub.core.lists.state import FileIdentity

    importer = ListImporter(runtime.masterdata(), mapper, Deduplicator(runtime.settings.matching), batch_size)
    identity = FileIdentity.of(file)
    columns = [TextColumn(f"list {escape(mapper.list_name)}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
               TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=error_console, disable=as_json) as progress:
        task = progress.add_task("import", total=source.total, rows=0)
        result = importer.run(source, identity,
                              on_progress=lambda at, rows: progress.update(task, completed=at, rows=rows))
        progress.update(task, completed=source.total, rows=result.rows)
    with read_only(runtime.require_schema()).connect() as conn:
        path = errors_path(identity.file, mapper.list_name)
        problems = write_errors(conn, mapper.list_name, path)
    summary = {**result.as_dict(), "errors_file": str(path) if problems else None, "problems": problems}
    if as_json:
        print_json(summary)
    else:
        resumed = " (imported before: nothing to do)" if result.resumed_from == result.rows else \
            f" (resumed after {result.resumed_from:,} rows)" if result.resumed_from else ""
        click.echo(f"list {mapper.list_name}: {result.rows:,} rows{resumed}: {result.created:,} created,"
                   f" {result.linked:,} linked, {result.review:,} waiting for review, {result.failed:,} failed"
                   f" ({result.seconds:.1f} s)")
        if problems:
            click.echo(f"{problems:,} problem(s) written to {path}")
        if result.review:
            click.echo(f"review them: hub import review {mapper.list_name!r}")
    if result.failed:
        raise click.exceptions.Exit(1)


@import_group.command("show")
@click.argument("name")
@click.option("--rows", "with_rows", is_flag=True, help="List every row with its outcome.")
@click.option("--outcome", type=click.Choice(state.OUTCOMES), help="Only rows of this outcome (with --rows).")
@json_option
@pass_runtime
def show(runtime: HubRuntime, name: str, with_rows: bool, outcome: str | None, as_json: bool) -> None:
    """Show list NAME: its file, format and counts; with --rows, what each row became."""
    with read_only(runtime.require_schema()).connect() as conn:
        current = state.get(conn, name)
        summary = _summary(current)
        if as_json and not with_rows:
            print_json(summary)
            return
        if as_json:
            _stream_json(summary, (_row_dict(r) for r in state.rows_of(conn, name, outcome=outcome)))
            return
        console.print(f"[bold]list {escape(name)}[/bold]  {escape(current.file)}  format {escape(current.format)}"
                      f"  {current.status}")
        print_table(["rows", "created", "linked", "review", "failed", "seconds"],
                    [(summary["rows"], current.created, current.linked, current.review, current.failed,
                      f"{current.seconds:.1f}")])
        if not with_rows:
            return
        lines = ((r["row"], r["key"], r["outcome"], r["hub_id"], r["matched_hub_id"],
                  None if r["score"] is None else f"{r['score']:.3f}",
                  "; ".join(f"{p['column'] or 'row'}: {p['reason']}" for p in r["problems"]))
                 for r in map(_row_dict, state.rows_of(conn, name, outcome=outcome)))
        columns = ["row", "key", "outcome", "hub id", "matched", "score", "problems"]
        shown = getattr(current, outcome) if outcome else summary["rows"]
        if shown <= TABLE_ROWS:
            print_table(columns, list(lines), title=f"{shown} row(s)")
        else:  # a table holds every row in memory: a long list is printed line by line
            click.echo("\t".join(columns))
            for line in lines:
                click.echo("\t".join("" if v is None else str(v) for v in line))


def _stream_json(summary: dict[str, Any], rows: Iterator[dict[str, Any]]) -> None:
    """``summary`` with its ``rows``, written row by row: a list of millions of rows is
    never held whole."""
    head = orjson.dumps(summary).decode()
    click.echo(head[:-1] + ', "rows": [', nl=False)
    for index, row in enumerate(rows):
        click.echo(("," if index else "") + "\n  " + orjson.dumps(row).decode(), nl=False)
    click.echo("\n]}")


def _summary(current: ListImportRow) -> dict[str, Any]:
    return {"list": current.name, "file": current.file, "format": current.format, "system": current.system,
            "status": current.status,
            "rows": current.created + current.linked + current.review + current.failed,
            "created": current.created, "linked": current.linked, "review": current.review,
            "failed": current.failed, "seconds": round(current.seconds, 3)}


def _row_dict(row: Any) -> dict[str, Any]:
    return {"row": row.row, "key": row.key, "outcome": row.outcome, "hub_id": row.hub_id,
            "matched_hub_id": row.matched_hub_id, "score": row.score,
            "problems": [{"column": c, "reason": r, "action": a} for c, r, a in row.problems or ()]}


@import_group.command("review")
@click.argument("name")
@json_option
@pass_runtime
def review(runtime: HubRuntime, name: str, as_json: bool) -> None:
    """The rows of list NAME waiting for review, each beside the partner it may be."""
    with read_only(runtime.require_schema()).connect() as conn:
        waiting = reviewing.pairs(conn, name)
    if as_json:
        print_json([pair.as_dict() for pair in waiting])
        return
    if not waiting:
        click.echo(f"list {name}: no row waits for review")
        return
    print_table(["row", "score", "list row", "partner"],
                [(f"{pair.row}\n{pair.key}", f"{pair.score:.3f}" if pair.score is not None else "",
                  describe(pair.data), f"{pair.hub_id}\n{describe(pair.partner)}" if pair.partner else
                  f"{pair.hub_id} (gone)") for pair in waiting],
                title=f"list {name}: {len(waiting)} row(s) waiting; settle each with"
                      f" `hub import decide {name} ROW --link|--create`")


def describe(data: dict[str, Any] | None) -> str:
    """A partner's data as the lines a reviewer compares: name, birth date, address,
    e-mails and phones, ids."""
    if not data:
        return ""
    name = data.get("organisation_name") or " ".join(
        p for p in (data.get("title"), data.get("first_name"), data.get("last_name")) if p)
    lines = [name]
    if data.get("birth_date"):
        lines.append(f"born {data['birth_date']}")
    for address in (data.get("addresses") or [])[:1]:
        street = " ".join(p for p in (address.get("street"), address.get("house_number")) if p)
        place = " ".join(p for p in (address.get("postal_code"), address.get("city")) if p)
        lines.append(", ".join(p for p in (street, place, address.get("country")) if p))
    lines += data.get("emails") or []
    lines += [phone.get("number", "") for phone in data.get("phones") or []]
    lines += [f"{i.get('kind')} {i.get('number')}" for i in data.get("identifications") or []]
    return "\n".join(line for line in lines if line)


@import_group.command("decide")
@click.argument("name")
@click.argument("row", type=int)
@click.option("--link", "action", flag_value="link", help="The row is the partner it matched: link it.")
@click.option("--create", "action", flag_value="create", help="The row is someone else: create a partner.")
@json_option
@pass_runtime
def decide(runtime: HubRuntime, name: str, row: int, action: str | None, as_json: bool) -> None:
    """Settle row ROW of list NAME that waits for review: --link or --create."""
    if action is None:
        raise click.UsageError("say --link (the row is the partner it matched) or --create (someone else)")
    decision = reviewing.decide(runtime.masterdata(), name, row, link=action == "link")
    if as_json:
        print_json({"list": name, "row": decision.row, "outcome": decision.outcome, "hub_id": decision.hub_id})
    else:
        click.echo(f"list {name} row {decision.row}: {decision.outcome} {decision.hub_id}")


commands = [import_group]

"""Mapping tools for integrators: ``hub mapping check|show|copy`` and ``hub dry-run``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.cli.context import pass_runtime
from hub.cli.output import json_option, print_json, print_table
from hub.core.errors import MappingProblem, NotFoundError
from hub.core.mapping import MappingTable, check_mapping_folders, load_mapping_set
from hub.core.mapping.copying import copy_tables
from hub.core.mapping.dryrun import dry_run as run_dry, existing_database, read_only_lookup
from hub.core.runtime import HubRuntime


@click.group()
def mapping() -> None:
    """Check and show field-mapping tables."""


@mapping.command()
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@json_option
@pass_runtime
def check(runtime: HubRuntime, path: Path | None, as_json: bool) -> None:
    """Load and compile every table (or those under PATH); list every problem at once."""
    folders = [path] if path is not None else runtime.mapping_folders()
    mapping_set, problems = check_mapping_folders(folders)
    origins = _origins(runtime) if path is None else {}
    tables = [{"file": t.file, "from": _origin_of(t.file, origins), "system": t.system,
               "document_type": t.document_type, "inbound": list(t.inbound_types), "outbound": t.outbound_type,
               "version": t.version} for t in mapping_set.tables]
    shadowed = [{"file": lost, "overridden_by": winner} for lost, winner in mapping_set.shadowed]
    if path is None:
        problems += _plugins_without_tables(runtime, mapping_set.tables)
    if as_json:
        print_json({"ok": not problems, "tables": tables, "shadowed": shadowed,
                    "problems": [{"file": p.file, "line": p.line, "field": p.field, "message": p.message}
                                 for p in problems]})
    else:
        print_table(["file", "from", "system", "document type", "inbound", "outbound", "version"],
                    [(t.file, _origin_of(t.file, origins), t.system, t.document_type, ", ".join(t.inbound_types),
                      t.outbound_type, t.version) for t in mapping_set.tables], title="Mapping tables in effect")
        for item in shadowed:
            click.echo(f"{item['file']}: overridden by {item['overridden_by']}")
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(tables)} table(s) ok, {len(problems)} problem(s)")
    if problems:
        sys.exit(1)  # click's Exit is swallowed under standalone_mode=False


def _origins(runtime: HubRuntime) -> dict[Path, str]:
    """Each mapping folder and whose it is: the installation's, or a plugin's."""
    origins = {Path(runtime.settings.mappings_dir).resolve(): "installation"}
    origins.update({folder.resolve(): f"plugin {plugin}" for plugin, folder in runtime.plugins.mapping_folders()})
    return origins


def _origin_of(file: str, origins: dict[Path, str]) -> str:
    path = Path(file).resolve()
    return next((who for folder, who in origins.items() if path.is_relative_to(folder)), "")


def _plugins_without_tables(runtime: HubRuntime, tables: list[MappingTable]) -> list[MappingProblem]:
    """A plugin that reads payloads (it has codecs) but has no table in effect maps
    nothing: that is a problem, not "0 table(s) ok"."""
    systems = {t.system for t in tables}
    return [MappingProblem(f"plugin {info.name}", None, None, "brings codecs but no mapping table is in effect"
                           " for it (its package ships none, and the installation's mappings/ has none)")
            for info in runtime.plugins.info() if info.contributions.codecs and info.name not in systems]


@mapping.command("copy")
@click.argument("plugin")
@click.argument("message", required=False)
@click.option("--force", is_flag=True, help="Overwrite files the installation's folder has already.")
@json_option
@pass_runtime
def copy(runtime: HubRuntime, plugin: str, message: str | None, force: bool, as_json: bool) -> None:
    """Copy PLUGIN's tables (those of MESSAGE or document type, or all) and the value
    lists they name into the installation's mappings folder, where they override the
    plugin's and can be edited."""
    folders = [folder for owner, folder in runtime.plugins.mapping_folders() if owner == plugin]
    if not folders:
        shipping = sorted({owner for owner, _ in runtime.plugins.mapping_folders()})
        raise NotFoundError(f"plugin {plugin!r} ships no mapping tables (plugins with tables: {', '.join(shipping)})")
    installation = Path(runtime.settings.mappings_dir)
    copied = []
    for folder in folders:
        tables = [t for t in load_mapping_set([folder]).tables
                  if message is None or message in (t.document_type, t.outbound_type, *t.inbound_types)]
        if tables:
            copied += copy_tables(tables, folder, installation, overwrite=force)
    if not copied:
        raise NotFoundError(f"plugin {plugin} has no table for {message!r}")
    if as_json:
        print_json([{"from": str(c.source), "to": str(c.target), "kept": c.kept} for c in copied])
        return
    for c in copied:
        click.echo(f"{c.target}: {'already there, kept (--force overwrites)' if c.kept else f'copied from {c.source}'}")
    click.echo("edit them there; `hub mapping check` shows them overriding the plugin's")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


@mapping.command()
@click.argument("plugin")
@click.argument("document_type")
@json_option
@pass_runtime
def show(runtime: HubRuntime, plugin: str, document_type: str, as_json: bool) -> None:
    """Show the rules of PLUGIN's table for DOCUMENT_TYPE (or message type) as markdown."""
    table = load_mapping_set(runtime.mapping_folders()).find(plugin, document_type)
    rows = [{"line": r.line, "direction": r.direction, "source": r.source, "target": r.target,
             "how": r.how, "required": r.required} for r in table.rows]
    if as_json:
        print_json({"file": table.file, "system": table.system, "document_type": table.document_type,
                    "inbound": list(table.inbound_types), "outbound": table.outbound_type,
                    "version": table.version, "rules": rows})
        return
    click.echo(f"# {table.system} {table.document_type} ({table.file}, version {table.version})\n")
    if table.description:
        click.echo(f"{table.description}\n")
    click.echo(f"Inbound: {', '.join(table.inbound_types) or '-'}; outbound: {table.outbound_type or '-'}\n")
    click.echo("| line | direction | source | target | transforms / values / lookup | required |")
    click.echo("|---|---|---|---|---|---|")
    for row in rows:
        click.echo(f"| {row['line']} | {row['direction']} | `{_cell(str(row['source']))}` | "
                   f"`{_cell(str(row['target']))}` | {_cell(str(row['how']))} | "
                   f"{'yes' if row['required'] else ''} |")


@click.command("dry-run")
@click.argument("plugin")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_runtime
def dry_run(runtime: HubRuntime, plugin: str, file: Path, as_json: bool) -> None:
    """Parse FILE with PLUGIN's codec and map it; print the canonical documents, write nothing."""
    mapping_set = load_mapping_set(runtime.mapping_folders())
    database = existing_database(runtime.settings.database_url, lambda: runtime.engine)
    entries = run_dry(runtime.plugins.codecs_of(plugin), plugin, file, mapping_set,
                      read_only_lookup(database))
    failed = [e for e in entries if e.error]
    if as_json:
        print_json([entry.as_dict() for entry in entries])
    else:
        for entry in entries:
            click.echo(f"== {entry.message_type} {entry.document_id}")
            if entry.error:
                click.echo(f"error: {entry.error}")
                continue
            click.echo(f"mapped by {entry.mapping_file} (version {entry.mapping_version})")
            print_json(entry.document)
            for location in entry.unmapped:
                click.echo(f"unmapped: {location}")
            for warning in entry.warnings:
                click.echo(f"warning: {warning}")
        warned = sum(1 for e in entries if e.warnings)
        click.echo(f"{len(entries)} document(s), {len(failed)} failed"
                   + (f", {warned} with warnings" if warned else "") + "; nothing was written")
    if failed:
        sys.exit(1)


commands = [mapping, dry_run]

"""``hub idoc ...``: manage the IDoc definitions of this installation."""

from __future__ import annotations

import click

from hub.api import PluginContext, json_option, pass_plugin_context, print_json, print_table
from plugins.erp_sap.idoc.importer import import_description
from plugins.erp_sap.settings import PLUGIN, ErpSapSettings


@click.group("idoc")
def idoc() -> None:
    """SAP IDoc definitions: import SAP's descriptions of further IDoc types."""


@idoc.command("import-definition")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@json_option
@pass_plugin_context(PLUGIN)
def import_definition(context: PluginContext, file: str, as_json: bool) -> None:
    """Import FILE (WE63 parser text, IDoc-XML XSD or definition JSON) for the IDoc codec."""
    folder = context.settings_as(ErpSapSettings).definitions_dir
    stored = import_description(file, folder)
    rows = [
        {"idoc_type": d.name, "segments": len(d.segments),
         "fields": sum(len(s.fields) for s in d.segments.values()), "stored_as": str(path)}
        for d, path in stored
    ]
    if as_json:
        print_json(rows)
    else:
        print_table(["IDoc type", "segments", "fields", "stored as"],
                    [(r["idoc_type"], r["segments"], r["fields"], r["stored_as"]) for r in rows])


commands = [idoc]

"""``hub loyalty ...``: the loyalty administrator's commands (every one with ``--json``)."""

from __future__ import annotations

import click

from hub.api import PluginContext, json_option, pass_plugin_context, print_json, print_table
from plugins.loyalty_pos.settings import PLUGIN
from plugins.loyalty_pos.till.keys import create_key


@click.group("loyalty")
def loyalty() -> None:
    """Stores and loyalty: programmes, members, points, till API keys."""


@loyalty.group("api-key")
def api_key() -> None:
    """API keys of the stores' tills."""


@api_key.command("create")
@click.option("--store", required=True, help="The store whose tills use the key.")
@json_option
@pass_plugin_context(PLUGIN)
def create_api_key(context: PluginContext, store: str, as_json: bool) -> None:
    """Create an API key for STORE's tills; it is printed now and never again."""
    try:
        created = create_key(context, store)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--store") from None
    if as_json:
        print_json({"id": created.id, "store": created.store, "key": created.key})
    else:
        print_table(["id", "store", "key (shown once)"], [(created.id, created.store, created.key)])

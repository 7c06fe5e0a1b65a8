"""``hub api-key``: keys of the REST API's clients (``/api/v1``), with their scope."""

from __future__ import annotations

import click

from hub.cli.context import pass_runtime
from hub.cli.output import json_option, print_json, print_table
from hub.core.restapi.keys import SCOPES, create_key, list_keys, revoke_key
from hub.core.runtime import HubRuntime
from hub.core.store.db import read_only


@click.group("api-key")
def api_key() -> None:
    """Keys of the REST API (/api/v1): create, list, revoke."""


@api_key.command("create")
@click.option("--scope", type=click.Choice(SCOPES), required=True,
              help="read: every GET; write: also create and update documents; admin: also retry, skip and"
                   " replay queue messages.")
@click.option("--name", default="api client", show_default=True, help="Who holds the key, for the list.")
@json_option
@pass_runtime
def create(runtime: HubRuntime, scope: str, name: str, as_json: bool) -> None:
    """Create a key; it is printed now and never again (the hub keeps only its hash).

    Clients send it as ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``.
    """
    created = create_key(runtime.require_schema(), scope, name)
    if as_json:
        print_json({"id": created.id, "name": created.name, "scope": created.scope, "key": created.key})
        return
    click.echo(f"created API key {created.id} ({created.name}, scope {created.scope}); the key, shown only now:")
    click.echo(created.key)


@api_key.command("list")
@json_option
@pass_runtime
def list_api_keys(runtime: HubRuntime, as_json: bool) -> None:
    """Every key: id, name, scope, when created and revoked (never the key itself)."""
    with read_only(runtime.require_schema()).connect() as conn:
        rows = [info.as_dict() for info in list_keys(conn)]
    if as_json:
        print_json(rows)
        return
    print_table(["id", "name", "scope", "created", "revoked"],
                [(r["id"], r["name"], r["scope"], r["created_at"], r["revoked_at"] or "") for r in rows],
                title=f"{len(rows)} REST API key(s)")


@api_key.command("revoke")
@click.argument("key_id")
@json_option
@pass_runtime
def revoke(runtime: HubRuntime, key_id: str, as_json: bool) -> None:
    """Revoke key KEY_ID (see ``hub api-key list``): a running hub refuses it within 5 seconds
    (it trusts a key it read lately that long)."""
    row = revoke_key(runtime.require_schema(), key_id).as_dict()
    if as_json:
        print_json(row)
        return
    click.echo(f"revoked API key {row['id']} ({row['name']}, scope {row['scope']}) at {row['revoked_at']}")


commands = [api_key]

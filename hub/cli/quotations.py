"""``hub quotation accept``: the customer took a quotation; the hub makes its sales order."""

from __future__ import annotations

import click

from hub.cli.context import pass_runtime
from hub.cli.output import console, json_option, print_json
from hub.core.masterdata import quotations
from hub.core.runtime import HubRuntime


@click.command("accept")
@click.argument("ident")
@json_option
@pass_runtime
def accept_quotation(runtime: HubRuntime, ident: str, as_json: bool) -> None:
    """Accept quotation IDENT (hub id, SYSTEM:ID or an id only one system uses): it
    becomes accepted and the sales order that refers to it is made and sent on like any
    new order. Accepting it again shows that order and changes nothing."""
    done = quotations.accept_quotation(runtime.require_schema(), runtime.masterdata(), ident)
    if as_json:
        print_json({"quotation": done.quotation_hub_id, "sales_order": done.order_hub_id, "created": done.created})
    elif done.created:
        console.print(f"quotation {done.quotation_hub_id} accepted: sales order {done.order_hub_id} made")
    else:
        console.print(f"quotation {done.quotation_hub_id} was accepted before: its sales order is"
                      f" {done.order_hub_id}; nothing changed")

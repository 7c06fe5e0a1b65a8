"""``hub quotation accept``: the customer took a quotation; the hub makes its sales order."""

from __future__ import annotations

import click

from hub.cli.context import pass_runtime
from hub.cli.output import console, json_option, print_json
from hub.core.errors import NotFoundError
from hub.core.masterdata.document_view import resolve_document
from hub.core.masterdata.quotations import accept
from hub.core.masterdata.service import load
from hub.core.model.sales import Quotation
from hub.core.runtime import HubRuntime


@click.command("accept")
@click.argument("ident")
@json_option
@pass_runtime
def accept_quotation(runtime: HubRuntime, ident: str, as_json: bool) -> None:
    """Accept quotation IDENT (hub id, SYSTEM:ID or an id only one system uses): it
    becomes accepted and the sales order that refers to it is made and sent on like any
    new order. Accepting it again shows that order and changes nothing."""
    service = runtime.masterdata()
    with runtime.require_schema().begin() as conn:
        hub_id = resolve_document(conn, ident, ["quotation"])
        quotation = load(conn, hub_id)
        if not isinstance(quotation, Quotation):
            raise NotFoundError(f"{ident!r} is not a quotation")
        done = accept(conn, service, quotation)
    if as_json:
        print_json({"quotation": done.quotation_hub_id, "sales_order": done.order_hub_id, "created": done.created})
    elif done.created:
        console.print(f"quotation {done.quotation_hub_id} accepted: sales order {done.order_hub_id} made")
    else:
        console.print(f"quotation {done.quotation_hub_id} was accepted before: its sales order is"
                      f" {done.order_hub_id}; nothing changed")

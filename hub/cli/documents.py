"""``hub document show`` and its named forms (``hub order show``, ``hub invoice show``,
``hub quotation show``): one document with its ids, links, history and replication
state; ``hub quotation accept`` beside them."""

from __future__ import annotations

from collections.abc import Collection

import click

from hub.cli.context import pass_runtime
from hub.cli.output import console, escape, json_option, print_json, print_table
from hub.cli.quotations import accept_quotation
from hub.cli.replication import facts_text, ids_text, replication_rows
from hub.core.masterdata.document_view import DocumentView, document_view
from hub.core.masterdata.links import LINK_FACTS
from hub.core.runtime import HubRuntime
from hub.core.store.db import read_only

NAMED_TYPES = {
    "order": ("sales orders", ("sales_order",)),
    "invoice": ("billing documents (invoices, credit and debit memos, cancellations)", ("billing_document",)),
    "quotation": ("quotations", ("quotation",)),
}
"""Command name -> (what it shows, the document types it accepts)."""


def _print(view: DocumentView) -> None:
    d = view.document
    console.print(f"[bold]{d.doc_type}[/bold]  {d.hub_id}  version {d.version}  updated {d.updated_at.isoformat()}"
                  + (f"  (merged into {d.merged_into})" if d.merged_into else ""))
    if view.external_ids:
        console.print(f"ids: {escape(ids_text(view.external_ids))}")
    if view.summary:
        console.print(escape(facts_text(view.summary)))
    if view.payment is not None:
        pay = view.payment
        console.print(f"payment: {pay['status']}, paid {pay['paid']}, open {pay['open']}"
                      + (f", due {pay['due_date']}" if pay["due_date"] else "")
                      + (" [red]OVERDUE[/red]" if pay["overdue"] else ""))
    print_table(["partner", "as"], [(p, ", ".join(paths)) for p, paths in view.partners.items()], title="Partners")
    if view.links:
        print_table(["link", "type", "document", "id", "facts"],
                    [(link["relation"], link["doc_type"], link["hub_id"] or "(not in the hub)",
                      f"{link['external_system']}:{link['external_id']}" if link["external_id"] else "",
                      facts_text({k: v for k, v in link.items() if k in LINK_FACTS}))
                     for link in view.links], title="Linked documents")
    print_table(["system", "state", "version", "error"], replication_rows(view.replication), title="Replication")
    print_table(["version", "changed at", "source", "fields"],
                [(h["version"], h["changed_at"], h["source"], ", ".join(h["fields"])) for h in view.history],
                title="History")
    print_table(["message", "system", "queue", "version", "status", "attempts", "created", "error"],
                [(m["id"], m["system"], f"{m['queue']}#{m['seq']}", m["version"], m["status"], m["attempts"],
                  m["created_at"], " ".join((m["last_error"] or "").split())) for m in view.messages],
                title="Messages (newest first; `hub message show ID` for one's history)")


def _show(runtime: HubRuntime, ident: str, doc_types: Collection[str] | None, as_json: bool) -> None:
    with read_only(runtime.require_schema()).connect() as conn:
        view = document_view(conn, ident, doc_types)
    if as_json:
        print_json(view.as_dict())
    else:
        _print(view)


@click.group()
def document() -> None:
    """Canonical documents of any type."""


@document.command("show")
@click.argument("ident")
@click.option("--type", "doc_type", default=None, help="Only documents of this type (sales_order, partner...).")
@json_option
@pass_runtime
def show_document(runtime: HubRuntime, ident: str, doc_type: str | None, as_json: bool) -> None:
    """Show document IDENT (hub id, SYSTEM:ID, or an id only one system uses) with its
    history and where it stands toward each system."""
    _show(runtime, ident, [doc_type] if doc_type else None, as_json)


def _named(name: str, what: str, doc_types: tuple[str, ...], *more: click.Command) -> click.Group:
    @click.group(name=name, help=f"{what[0].upper()}{what[1:]}.")
    def group() -> None:
        pass

    @group.command("show", help=f"Show one of the {what} by hub id, SYSTEM:ID or an id only one system "
                                "uses, with its history and where it stands toward each system.")
    @click.argument("ident")
    @json_option
    @pass_runtime
    def show(runtime: HubRuntime, ident: str, as_json: bool) -> None:
        _show(runtime, ident, doc_types, as_json)

    for command in more:
        group.add_command(command)
    return group


MORE_COMMANDS: dict[str, tuple[click.Command, ...]] = {"quotation": (accept_quotation,)}
"""Commands of a named group beside ``show``."""

commands = [document, *(_named(name, what, types, *MORE_COMMANDS.get(name, ()))
                        for name, (what, types) in NAMED_TYPES.items())]

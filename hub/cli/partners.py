"""``hub partner``: the 360-degree view, duplicate candidates and merges."""

from __future__ import annotations

import click

from hub.cli.context import pass_runtime
from hub.cli.output import console, escape, json_option, print_json, print_table
from hub.cli.replication import facts_text, ids_text, replication_rows, replication_text
from hub.core.masterdata import MasterDataService
from hub.core.masterdata.view import partner_view, resolve_partner
from hub.core.runtime import HubRuntime
from hub.core.store.db import read_only


@click.group()
def partner() -> None:
    """Business partners: show, find duplicates, merge."""


@partner.command("show")
@click.argument("ident")
@json_option
@pass_runtime
def show(runtime: HubRuntime, ident: str, as_json: bool) -> None:
    """Show partner IDENT (hub id, external id, or SYSTEM:ID) with everything about it:
    golden record, ids in every system, history, and every document that refers to it
    with where it stands toward each system."""
    with read_only(runtime.require_schema()).connect() as conn:
        view = partner_view(conn, ident)
    if as_json:
        print_json(view.as_dict())
        return
    p = view.partner
    console.print(f"[bold]{escape(p.display_name)}[/bold]  {p.hub_id}  version {p.version}"
                  + (f"  (merged into {view.merged_into})" if view.merged_into else "")
                  + (f"  (merged from {', '.join(view.merged_from)})" if view.merged_from else ""))
    print_table(["system", "external id"], [(r.system, r.id) for r in p.external_ids], title="External ids")
    data = p.model_dump(mode="json", exclude={"hub_id", "version", "external_ids"}, exclude_defaults=True)
    print_table(["field", "value"], [(k, v) for k, v in data.items()], title="Golden record")
    if view.replication:
        print_table(["system", "state", "version", "error"], replication_rows(view.replication),
                    title="Replication of the partner")
    else:
        console.print("Replication of the partner: not sent to any system")
    print_table(["version", "changed at", "source", "fields"],
                [(h["version"], h["changed_at"], h["source"], ", ".join(h["fields"])) for h in view.history],
                title="History")
    print_table(["document", "type", "ids", "as", "facts", "replication"],
                [(d.hub_id, d.doc_type, ids_text(d.external_ids), ", ".join(d.roles), facts_text(d.summary),
                  "\n".join(replication_text(r) for r in d.replication) or "not sent")
                 for d in view.related],
                title=f"{len(view.related)} related document(s)")


@partner.command("duplicates")
@click.option("--threshold", type=float, default=None, help="Minimum score (default from settings).")
@json_option
@pass_runtime
def duplicates(runtime: HubRuntime, threshold: float | None, as_json: bool) -> None:
    """List pairs of partners that are probably the same, best first."""
    service = MasterDataService.from_settings(runtime.require_schema(), runtime.settings)
    pairs = service.duplicate_pairs(threshold)
    if as_json:
        print_json([{"hub_id": p.hub_id, "other_hub_id": p.other_hub_id, "score": p.score,
                     "reasons": list(p.reasons)} for p in pairs])
        return
    print_table(["partner", "other partner", "score", "why"],
                [(p.hub_id, p.other_hub_id, f"{p.score:.2f}", "; ".join(p.reasons)) for p in pairs],
                title=f"{len(pairs)} likely duplicate pair(s)")


@partner.command("merge")
@click.argument("survivor")
@click.argument("other")
@json_option
@pass_runtime
def merge(runtime: HubRuntime, survivor: str, other: str, as_json: bool) -> None:
    """Merge partner OTHER into SURVIVOR: OTHER's external ids then find SURVIVOR, and
    every document that named OTHER gets a new version naming SURVIVOR (sent on to the
    target systems)."""
    engine = runtime.require_schema()
    with engine.connect() as conn:
        survivor_id, other_id = resolve_partner(conn, survivor), resolve_partner(conn, other)
    result = runtime.masterdata().merge(survivor_id, other_id)
    if as_json:
        print_json({"hub_id": result.hub_id, "version": result.version, "merged": other_id,
                    "changed_fields": sorted(k for k in result.changes if k != "merged_from")})
        return
    click.echo(f"merged {other_id} into {survivor_id} (now version {result.version}); documents that named"
               f" {other_id} name {survivor_id} now (`hub partner unmerge {other_id}` undoes it)")


@partner.command("unmerge")
@click.argument("other")
@json_option
@pass_runtime
def unmerge(runtime: HubRuntime, other: str, as_json: bool) -> None:
    """Undo the merge of partner OTHER (its hub id) within the retention period
    (setting unmerge_days): its record, its external ids and the documents' references
    come back, except what changed since the merge."""
    result = runtime.masterdata().unmerge(other)
    if as_json:
        print_json(result.as_dict())
        return
    click.echo(f"unmerged {result.other_hub_id} from {result.survivor_hub_id} (merged at"
               f" {result.merged_at.isoformat()})")
    click.echo(f"external ids moved back: {', '.join(result.keys_moved_back) or 'none'}")
    click.echo(f"survivor fields restored: {', '.join(result.fields_restored) or 'none'}"
               + (f"; kept (changed since the merge): {', '.join(result.fields_kept)}" if result.fields_kept else ""))
    click.echo(f"documents naming {result.other_hub_id} again: {len(result.documents_restored)}"
               + (f"; left as they are (changed since): {', '.join(result.documents_kept)}"
                  if result.documents_kept else ""))


commands = [partner]

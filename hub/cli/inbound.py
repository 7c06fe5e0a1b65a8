"""``hub inbound``: what came in, its status records, and replay of a kept payload."""

from __future__ import annotations

import difflib
from datetime import datetime

import click
import sqlalchemy as sa

from hub.cli.context import pass_runtime
from hub.cli.output import console, json_option, print_json, print_table
from hub.core.runtime import HubRuntime
from hub.core.store import archive
from hub.core.store.inbound_counts import FAILED_STATUSES
from hub.core.store.tables import InboundPayloadRow

inbound_table = InboundPayloadRow.__table__
LIST_LIMIT = 200
DIFF_LINES = 60
VERSION_FIELDS = {"id", "status", "received_at", "content_hash", "conflict_of", "duplicates", "hub_id"}


def payload_diff(first: InboundPayloadRow, other: InboundPayloadRow) -> list[str]:
    """A unified diff of two versions' payloads as text, at most ``DIFF_LINES`` lines."""
    def lines(row: InboundPayloadRow) -> list[str]:
        # IDoc-XML keeps one element per line only when pretty-printed; break between tags.
        return row.payload.decode("utf-8", errors="replace").replace("><", ">\n<").splitlines()

    diff = list(difflib.unified_diff(lines(first), lines(other), f"payload {first.id}", f"payload {other.id}",
                                     lineterm="", n=1))
    return diff if len(diff) <= DIFF_LINES else [*diff[:DIFF_LINES], f"... {len(diff) - DIFF_LINES} more lines"]


@click.group()
def inbound() -> None:
    """Inbound payloads: list, show one's history (IDoc 50/64/53/51), replay."""


@inbound.command("list")
@click.option("--state", help="Only payloads in this state (received, posted, failed, conflict, waiting,"
              " replayed); failed includes conflicts.")
@click.option("--system", help="Only payloads from this system.")
@click.option("--since", type=click.DateTime(), help="Only payloads received since (UTC).")
@click.option("--limit", type=int, default=LIST_LIMIT, show_default=True)
@json_option
@pass_runtime
def list_inbound(runtime: HubRuntime, state: str | None, system: str | None, since: datetime | None,
                 limit: int, as_json: bool) -> None:
    """Newest inbound payloads first."""
    t = inbound_table
    query = sa.select(t.c.id, t.c.system, t.c.document_kind, t.c.dedupe_key, t.c.status, t.c.duplicates,
                      t.c.hub_id, t.c.error, t.c.received_at).order_by(t.c.id.desc()).limit(limit)
    if state:
        query = query.where(t.c.status.in_(FAILED_STATUSES if state == archive.FAILED else (state,)))
    if system:
        query = query.where(t.c.system == system)
    if since:
        query = query.where(t.c.received_at >= since.astimezone())
    with runtime.require_schema().connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    if as_json:
        print_json(rows)
        return
    print_table(["id", "system", "kind", "document", "status", "dups", "hub id", "error"],
                [(r["id"], r["system"], r["document_kind"], r["dedupe_key"].split(":", 1)[-1], r["status"],
                  r["duplicates"] or "", r["hub_id"], (r["error"] or "")[:60]) for r in rows],
                title="Inbound payloads")


@inbound.command("show")
@click.argument("payload_id", type=int)
@json_option
@pass_runtime
def show_inbound(runtime: HubRuntime, payload_id: int, as_json: bool) -> None:
    """One inbound payload: where it came from, what it became, its status records."""
    with runtime.require_schema().connect() as conn:
        row = archive.load_payload(conn, payload_id)
        versions = archive.versions_of(conn, row)
    data = row.model_dump(exclude={"payload"}) | {"payload_bytes": len(row.payload)}
    others = [v for v in versions if v.id != row.id]
    if others:
        data["versions"] = [v.model_dump(include=VERSION_FIELDS) for v in versions]
        first = next((v for v in versions if v.conflict_of is None), others[0])
        data["diff"] = payload_diff(first if first.id != row.id else others[0], row)
    if as_json:
        print_json(data)
        return
    for key in ("id", "system", "document_kind", "dedupe_key", "status", "hub_id", "mapping", "duplicates",
                "received_at", "payload_bytes", "content_hash", "conflict_of", "error"):
        console.print(f"{key:<15} {data[key] if data[key] is not None else ''}", highlight=False)
    print_table(["at", "status", "code", "text"],
                [(h["at"], h["status"], h.get("code") or "", h["text"]) for h in row.history], title="History")
    if others:
        print_table(["id", "status", "received", "content hash", "conflict of"],
                    [(v.id, v.status, v.received_at, (v.content_hash or "")[:16], v.conflict_of or "")
                     for v in versions], title="Versions received under this key")
        click.echo("\n".join(data["diff"]) or "(the versions differ only in bytes that do not decode)")


@inbound.command("replay")
@click.argument("payload_id", type=int)
@json_option
@pass_runtime
def replay_inbound(runtime: HubRuntime, payload_id: int, as_json: bool) -> None:
    """Process the kept payload PAYLOAD_ID again (after fixing a mapping or master data)."""
    with runtime.require_schema().connect() as conn:
        system = archive.load_payload(conn, payload_id).system
    outcomes = runtime.ingestor(system).replay(payload_id)
    if as_json:
        print_json([o.as_dict() for o in outcomes])
    else:
        for o in outcomes:
            click.echo(f"{o.message_type} {o.document_id}: {o.status}"
                       + (f" -> {o.doc_type} {o.hub_id} version {o.version}" if o.hub_id else "")
                       + (f" ({o.error})" if o.error else ""))
    if any(o.failed for o in outcomes):
        raise click.exceptions.Exit(1)


commands = [inbound]

"""One document of any type with its history and where it stands per system
(``hub document show``, ``hub order show``, ``hub invoice show``...).

An administrator comes with whatever id is at hand: the hub's own (``so_01...``), the
ERP's order number written ``erp_sap:0000004711``, or the bare number when only one
system uses it. ``resolve_document`` takes all three.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from hub.core.errors import NotFoundError
from hub.core.masterdata.links import links_of, payment_of
from hub.core.masterdata.summary import summarise
from hub.core.queue.replication import Replication, replication_of
from hub.core.queue.tables import messages
from hub.core.store import documents as doc_store, references
from hub.core.store.documents import StoredDocument
from hub.core.store.keymap import external_ids_of, key_map

MESSAGES_SHOWN = 50


@dataclass(frozen=True)
class DocumentView:
    """A document as stored, with its ids, history, partners and replication; the
    documents it is linked to, and for a billing document where it stands in payment."""

    document: StoredDocument
    external_ids: dict[str, list[str]]
    summary: dict[str, str]
    partners: dict[str, list[str]]
    history: list[dict[str, Any]]
    replication: list[Replication]
    messages: list[dict[str, Any]]
    links: list[dict[str, Any]] = field(default_factory=list)
    payment: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        d = self.document
        return {"hub_id": d.hub_id, "doc_type": d.doc_type, "version": d.version, "merged_into": d.merged_into,
                "created_at": d.created_at.isoformat(), "updated_at": d.updated_at.isoformat(),
                "external_ids": self.external_ids, "summary": self.summary, "partners": self.partners,
                "data": d.data, "links": self.links, "payment": self.payment, "history": self.history,
                "replication": [r.as_dict() for r in self.replication], "messages": self.messages}


def _kinds(doc_types: Collection[str] | None) -> str:
    return " or ".join(sorted(doc_types)) if doc_types else "document"


def resolve_document(conn: sa.Connection, ident: str, doc_types: Collection[str] | None = None) -> str:
    """The hub id ``ident`` names: a hub id, ``SYSTEM:EXTERNAL-ID`` or an external id
    used by one system only; limited to ``doc_types`` when given."""
    docs = doc_store.documents
    query = sa.select(docs.c.doc_type).where(docs.c.hub_id == ident)
    found = conn.execute(query).scalar_one_or_none()
    if found is not None and (not doc_types or found in doc_types):
        return ident
    lookup = sa.select(key_map.c.system, key_map.c.object_type, key_map.c.external_id, key_map.c.hub_id)
    if doc_types:
        lookup = lookup.where(key_map.c.object_type.in_(sorted(doc_types)))
    system, _, external = ident.partition(":")
    rows: Sequence[sa.Row[Any, Any, Any, Any]] = []
    if external:
        rows = conn.execute(lookup.where(key_map.c.system == system, key_map.c.external_id == external)).all()
    if not rows:
        rows = conn.execute(lookup.where(key_map.c.external_id == ident)).all()
    hub_ids = {row.hub_id for row in rows}
    if not hub_ids:
        if found is not None:
            raise NotFoundError(f"{ident!r} is a {found}, not a {_kinds(doc_types)}")
        raise NotFoundError(f"no {_kinds(doc_types)} with hub id or external id {ident!r}")
    if len(hub_ids) > 1:
        choices = ", ".join(f"{r.system}:{r.external_id} ({r.object_type})" for r in rows)
        raise NotFoundError(f"{ident!r} is ambiguous ({choices}); write it as SYSTEM:ID or give the hub id")
    return hub_ids.pop()


def _messages(conn: sa.Connection, hub_id: str) -> list[dict[str, Any]]:
    m = messages.c
    rows = conn.execute(
        sa.select(m.id, m.system, m.queue, m.seq, m.version, m.status, m.attempts, m.last_error, m.created_at,
                  m.finished_at)
        .where(m.hub_id == hub_id).order_by(m.id.desc()).limit(MESSAGES_SHOWN)
    )
    return [{**row._mapping, "created_at": row.created_at.isoformat(),
             "finished_at": row.finished_at.isoformat() if row.finished_at else None} for row in rows]


def document_view(conn: sa.Connection, ident: str, doc_types: Collection[str] | None = None) -> DocumentView:
    """Build the view of the document ``ident`` names (see ``resolve_document``)."""
    hub_id = resolve_document(conn, ident, doc_types)
    stored = doc_store.get(conn, hub_id)
    history = [
        {"version": v.version, "changed_at": v.changed_at.isoformat(), "source": v.source_system,
         "fields": sorted(v.changes or {})}
        for v in doc_store.history(conn, hub_id)
    ]
    partners: dict[str, list[str]] = {}
    for path, target in sorted(references.references_of(stored.data)):
        partners.setdefault(target, []).append(path)
    payment = payment_of(stored.data, date.today()) if stored.doc_type == "billing_document" else None
    return DocumentView(stored, external_ids_of(conn, [hub_id])[hub_id], summarise(stored.data), partners,
                        history, replication_of(conn, [hub_id]).get(hub_id, []), _messages(conn, hub_id),
                        links_of(conn, hub_id, stored.doc_type, stored.data), payment)

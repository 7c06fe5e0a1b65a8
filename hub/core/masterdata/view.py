"""The 360-degree view of one partner: the golden record, its ids in every system, its
history, and every document of every type and system that refers to it, each with
where it stands toward each target system.

The documents come from the reference index (``hub.core.store.references``), written
with every document version, so the view costs a handful of indexed queries whatever
the size of the store: the references of the partner (and of the records merged into
it), the documents by primary key, their external ids, and their messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.core.errors import NotFoundError
from hub.core.masterdata.service import load
from hub.core.masterdata.summary import facts_column, summarise_row
from hub.core.model.partner import Partner
from hub.core.queue.replication import Replication, replication_of
from hub.core.store import documents as doc_store, references
from hub.core.store.bulk import one_of
from hub.core.store.keymap import external_ids_of, key_map

HISTORY_SHOWN = 20


@dataclass(frozen=True)
class RelatedDocument:
    """A document that refers to the partner, with what the view shows of it."""

    hub_id: str
    doc_type: str
    version: int
    updated_at: datetime
    roles: list[str]
    external_ids: dict[str, list[str]]
    summary: dict[str, str]
    replication: list[Replication]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"hub_id": self.hub_id, "doc_type": self.doc_type, "version": self.version,
                "updated_at": self.updated_at.isoformat(), "roles": self.roles,
                "external_ids": self.external_ids, "summary": self.summary,
                "replication": [r.as_dict() for r in self.replication]}


@dataclass
class PartnerView:
    """Everything the hub knows about one partner."""

    partner: Partner
    merged_into: str | None
    history: list[dict[str, Any]]
    related: list[RelatedDocument] = field(default_factory=list)
    replication: list[Replication] = field(default_factory=list)
    merged_from: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"partner": self.partner.model_dump(mode="json"), "merged_into": self.merged_into,
                "merged_from": self.merged_from, "history": self.history,
                "replication": [r.as_dict() for r in self.replication],
                "related_documents": [d.as_dict() for d in self.related]}


def resolve_partner(conn: sa.Connection, ident: str) -> str:
    """A hub id from a hub id, an external id, or ``SYSTEM:EXTERNAL-ID``."""
    query = sa.select(doc_store.documents.c.hub_id).where(
        doc_store.documents.c.hub_id == ident, doc_store.documents.c.doc_type == "partner"
    )
    if conn.execute(query).first():
        return ident
    lookup = sa.select(key_map.c.system, key_map.c.external_id, key_map.c.hub_id).where(
        key_map.c.object_type == "partner"
    )
    system, _, external = ident.partition(":")
    if external:
        rows = conn.execute(lookup.where(key_map.c.system == system, key_map.c.external_id == external)).all()
    else:
        rows = conn.execute(lookup.where(key_map.c.external_id == ident)).all()
    hub_ids = {row.hub_id for row in rows}
    if not hub_ids:
        raise NotFoundError(f"no partner with hub id or external id {ident!r}")
    if len(hub_ids) > 1:
        choices = ", ".join(f"{r.system}:{r.external_id}" for r in rows)
        raise NotFoundError(f"{ident!r} is ambiguous ({choices}); write it as SYSTEM:ID")
    return hub_ids.pop()


def merged_into(conn: sa.Connection, hub_id: str) -> list[str]:
    """Hub ids of the records merged into ``hub_id``."""
    docs = doc_store.documents
    return list(conn.execute(sa.select(docs.c.hub_id).where(docs.c.merged_into == hub_id)
                             .order_by(docs.c.hub_id)).scalars())


def related_documents(conn: sa.Connection, partner_ids: list[str]) -> list[RelatedDocument]:
    """Every document that names one of ``partner_ids``, oldest change first, each with
    its external ids, a summary and where it stands per system."""
    roles: dict[str, set[str]] = {}
    for partner_id in partner_ids:
        for hub_id, paths in references.referring(conn, partner_id).items():
            roles.setdefault(hub_id, set()).update(paths)
    for partner_id in partner_ids:  # the partner itself is the subject, not a related document
        roles.pop(partner_id, None)
    docs = doc_store.documents
    rows = conn.execute(
        sa.select(docs.c.hub_id, docs.c.doc_type, docs.c.version, docs.c.updated_at,
                  facts_column(docs.c.data, conn.dialect.name).label("facts"))
        .where(one_of(conn.dialect.name, docs.c.hub_id, "b_ids")),
        {"b_ids": list(roles)},
    ).all()
    found = [row.hub_id for row in rows]
    ids = external_ids_of(conn, found)
    states = replication_of(conn, found)
    related = [
        RelatedDocument(row.hub_id, row.doc_type, row.version, row.updated_at, sorted(roles[row.hub_id]),
                        ids[row.hub_id], summarise_row(row.facts), states.get(row.hub_id, []))
        for row in rows
    ]
    related.sort(key=lambda d: (d.updated_at, d.hub_id))
    return related


def partner_view(conn: sa.Connection, ident: str) -> PartnerView:
    """Build the view of the partner ``ident`` names (hub id, external id or SYSTEM:ID)."""
    hub_id = resolve_partner(conn, ident)
    stored = doc_store.get(conn, hub_id)
    history = [
        {"version": v.version, "changed_at": v.changed_at.isoformat(), "source": v.source_system,
         "fields": sorted(v.changes or {})}
        for v in doc_store.history(conn, hub_id)[-HISTORY_SHOWN:]
    ]
    partner = load(conn, hub_id)
    if not isinstance(partner, Partner):
        raise NotFoundError(f"{ident!r} names a {stored.doc_type}, not a partner")
    absorbed = merged_into(conn, hub_id)
    return PartnerView(partner, stored.merged_into, history, related_documents(conn, [hub_id, *absorbed]),
                       replication_of(conn, [hub_id]).get(hub_id, []), absorbed)

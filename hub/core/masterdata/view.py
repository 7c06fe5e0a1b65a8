"""The 360-degree view of one partner: the golden record, its ids in every system,
its history, and every document that refers to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from hub.core.errors import NotFoundError
from hub.core.masterdata.service import load
from hub.core.model.partner import Partner
from hub.core.store import documents as doc_store
from hub.core.store.keymap import key_map

# Fields by which other documents point at a partner.
PARTNER_REFERENCE_FIELDS = ("sold_to_hub_id", "payer_hub_id", "ship_to_hub_id", "bill_to_hub_id",
                            "partner_hub_id", "customer_hub_id", "member_hub_id")
HISTORY_SHOWN = 20


@dataclass
class PartnerView:
    """Everything the hub knows about one partner."""

    partner: Partner
    merged_into: str | None
    history: list[dict[str, Any]]
    related: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"partner": self.partner.model_dump(mode="json"), "merged_into": self.merged_into,
                "history": self.history, "related_documents": self.related}


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


def partner_view(conn: sa.Connection, ident: str) -> PartnerView:
    """Build the view of the partner ``ident`` names."""
    hub_id = resolve_partner(conn, ident)
    stored = doc_store.get(conn, hub_id)
    history = [
        {"version": v.version, "changed_at": v.changed_at.isoformat(), "source": v.source_system,
         "fields": sorted(v.changes or {})}
        for v in doc_store.history(conn, hub_id)[-HISTORY_SHOWN:]
    ]
    docs = doc_store.documents
    refers = sa.or_(*(docs.c.data[name].as_string() == hub_id for name in PARTNER_REFERENCE_FIELDS))
    related = [
        {"hub_id": row.hub_id, "doc_type": row.doc_type, "version": row.version,
         "updated_at": row.updated_at.isoformat()}
        for row in conn.execute(
            sa.select(docs.c.hub_id, docs.c.doc_type, docs.c.version, docs.c.updated_at)
            .where(docs.c.doc_type != "partner", refers).order_by(docs.c.updated_at)
        )
    ]
    partner = load(conn, hub_id)
    assert isinstance(partner, Partner), "resolve_partner finds partners only"
    return PartnerView(partner, stored.merged_into, history, related)

"""The 360-degree view of one partner (``hub partner show`` as JSON): its golden
record, its ids, its history, and every document that names it, each with where it
stands toward each target system."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel
from starlette.responses import Response

from hub.core.masterdata.view import partner_view
from hub.core.model.partner import Partner
from hub.http.api.auth import Reader
from hub.http.api.problems import responses
from hub.http.api.services import ApiServices, services

router = APIRouter(tags=["partner"])


class Replication(BaseModel):
    """Where a document stands toward one system."""

    system: str
    state: str
    version: int
    message_id: int
    queue: str
    error: str | None


class Change(BaseModel):
    """One version of the partner: when, from which system, which fields."""

    version: int
    changed_at: datetime
    source: str
    fields: list[str]


class RelatedDocument(BaseModel):
    """A document that names the partner, and as what (``sold_to_hub_id``...)."""

    hub_id: str
    doc_type: str
    version: int
    updated_at: datetime
    roles: list[str]
    external_ids: dict[str, list[str]]
    summary: dict[str, str]
    replication: list[Replication]


class PartnerView(BaseModel):
    """Everything the hub knows about one partner."""

    partner: Partner
    merged_into: str | None
    merged_from: list[str]
    history: list[Change]
    replication: list[Replication]
    related_documents: list[RelatedDocument]


@router.get("/partner/{ident}/view", response_model=PartnerView, operation_id="view_partner",
            summary="The 360-degree view of a partner", responses=responses(not_found="No partner has this id."))
def view(ident: Annotated[str, Path(max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$",
                                    description="Hub id, SYSTEM:EXTERNAL-ID, or an external id.")],
         client: Reader, hub: Annotated[ApiServices, Depends(services)]) -> Response:
    """The partner's golden record, ids, latest history, and every document of every
    type and system that names it, with its replication state per target system."""
    with hub.reader.connect() as conn:
        found = partner_view(conn, ident)
    return Response(orjson.dumps(found.as_dict()), media_type="application/json")

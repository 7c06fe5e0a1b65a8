"""Reading canonical documents for the REST API: by any id, and many at once."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from hub.core.errors import NotFoundError
from hub.core.masterdata.document_view import resolve_document
from hub.core.model import document_class
from hub.core.model.base import Document
from hub.core.store import documents as doc_store, keymap


def as_model(stored: doc_store.StoredDocument, external_ids: dict[str, list[str]]) -> Document:
    """A stored golden record as its canonical model, with its ids in every system."""
    return document_class(stored.doc_type).model_validate(
        {**stored.data, "hub_id": stored.hub_id, "version": stored.version,
         "external_ids": [{"system": s, "id": i} for s, ids in external_ids.items() for i in ids]})


def read_document(conn: sa.Connection, doc_type: str, ident: str) -> Document:
    """The ``doc_type`` document ``ident`` names: a hub id, ``SYSTEM:EXTERNAL-ID``, or an
    external id only one system uses (``hub document show`` takes the same)."""
    hub_id = resolve_document(conn, ident, [doc_type])
    return read_many(conn, [hub_id])[0]


def read_many(conn: sa.Connection, hub_ids: Sequence[str]) -> list[Document]:
    """The documents of ``hub_ids``, in that order, in two queries."""
    stored = doc_store.get_many(conn, hub_ids)
    missing = [h for h in hub_ids if h not in stored]
    if missing:
        raise NotFoundError(f"no document with hub id {missing[0]!r}")
    ids = keymap.external_ids_of(conn, hub_ids)
    return [as_model(stored[h], ids.get(h, {})) for h in hub_ids]

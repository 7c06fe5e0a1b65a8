"""The reference index: which documents name which partner, kept as documents are written.

The 360-degree view of a partner and a merge both ask "which documents refer to this
partner?". Scanning every document's JSON for the reference fields answers it in time
proportional to the whole store; this index answers it with one range scan. It is
written by ``documents.write`` in the same transaction as the document version it
describes, so it is never behind or ahead of the documents it points from.

A reference is a field named in ``PARTNER_REFERENCE_FIELDS`` anywhere in a document
(``sold_to_hub_id`` at the top, ``partners.partner_hub_id`` inside a list of partner
functions), holding a non-empty string. ``path`` is the field's place with list
positions left out: the same partner named by two items of one list is one row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.core.store.bulk import insert_columns, one_of

PARTNER_REFERENCE_FIELDS = frozenset({
    "sold_to_hub_id", "payer_hub_id", "ship_to_hub_id", "bill_to_hub_id",
    "partner_hub_id", "customer_hub_id", "member_hub_id",
})
"""Field names whose value is the hub id of a business partner, at any depth.

A test checks that every ``*_hub_id`` field of the canonical model is either here or in
``NON_PARTNER_REFERENCE_FIELDS``, so a new partner reference cannot go unindexed."""

NON_PARTNER_REFERENCE_FIELDS = frozenset({
    "product_hub_id", "programme_hub_id", "membership_hub_id", "retail_transaction_hub_id",
    "reverses_hub_id", "billing_document_hub_id",
})
"""``*_hub_id`` fields that name something other than a partner (not indexed)."""


class DocumentReferenceRow(SQLModel, table=True):
    """Document ``hub_id`` names partner ``target_hub_id`` in the field at ``path``."""

    __tablename__ = "document_references"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker

    target_hub_id: str = Field(primary_key=True, max_length=40)
    hub_id: str = Field(primary_key=True, max_length=40, index=True)
    path: str = Field(primary_key=True, max_length=120)


references = DocumentReferenceRow.__table__


def references_of(data: dict[str, Any]) -> set[tuple[str, str]]:
    """(path, partner hub id) for every partner reference in a document's JSON data."""
    return set(_walk(data, ""))


def _walk(value: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for name, inner in value.items():
            if name in PARTNER_REFERENCE_FIELDS and isinstance(inner, str):
                if inner:
                    yield prefix + name, inner
            elif isinstance(inner, dict | list):
                yield from _walk(inner, f"{prefix}{name}.")
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, prefix)


def replace(conn: sa.Connection, documents: Sequence[tuple[str, dict[str, Any]]], *, new: Iterable[str] = ()) -> None:
    """Index ``documents`` ((hub id, data) each) anew, in the caller's transaction.

    The rows of every document not in ``new`` are deleted first; a document known to be
    new (just inserted) has none, and skipping the delete saves a statement per batch.
    """
    fresh = set(new)
    stale = [hub_id for hub_id, _ in documents if hub_id not in fresh]
    if stale:
        conn.execute(references.delete().where(one_of(conn.dialect.name, references.c.hub_id, "b_ids")),
                     {"b_ids": stale})
    targets: list[str] = []
    sources: list[str] = []
    paths: list[str] = []
    for hub_id, data in documents:
        for path, target in references_of(data):
            targets.append(target)
            sources.append(hub_id)
            paths.append(path)
    insert_columns(conn, references, {"target_hub_id": targets, "hub_id": sources, "path": paths})


def referring(conn: sa.Connection, target_hub_id: str) -> dict[str, list[str]]:
    """hub id -> paths (sorted), for every document that names partner ``target_hub_id``."""
    found: dict[str, list[str]] = {}
    rows = conn.execute(
        sa.select(references.c.hub_id, references.c.path).where(references.c.target_hub_id == target_hub_id)
        .order_by(references.c.hub_id, references.c.path)
    )
    for hub_id, path in rows:
        found.setdefault(hub_id, []).append(path)
    return found


Location = list[str | int]
"""Where one reference sits in a document: keys and list positions, ``["partners", 1, "partner_hub_id"]``."""


def rewrite(data: dict[str, Any], old: str, new: str) -> tuple[dict[str, Any], list[Location]]:
    """A copy of ``data`` with every partner reference to ``old`` naming ``new`` instead,
    and where each rewritten reference sits (for an exact undo, ``put_back``)."""
    found: list[Location] = []

    def walk(value: Any, where: Location) -> Any:
        if isinstance(value, dict):
            copy = {}
            for name, inner in value.items():
                if name in PARTNER_REFERENCE_FIELDS and inner == old:
                    found.append([*where, name])
                    copy[name] = new
                else:
                    copy[name] = walk(inner, [*where, name])
            return copy
        if isinstance(value, list):
            return [walk(item, [*where, index]) for index, item in enumerate(value)]
        return value

    return walk(data, []), found


def put_back(data: dict[str, Any], locations: Sequence[Location], now_there: str,
             original: str) -> tuple[dict[str, Any], list[Location]]:
    """A copy of ``data`` with the reference at each of ``locations`` set back to
    ``original`` where it still names ``now_there``; and the locations that did.

    A location whose document changed since (the list shorter, the reference pointing
    elsewhere) is left as it is: the newer change wins over the undo.
    """
    copy: dict[str, Any] = json_copy(data)
    restored: list[Location] = []
    for location in locations:
        holder: Any = copy
        for step in location[:-1]:
            holder = _step(holder, step)
            if holder is None:
                break
        last = location[-1]
        if isinstance(holder, dict) and isinstance(last, str) and holder.get(last) == now_there:
            holder[last] = original
            restored.append(list(location))
    return copy, restored


def _step(holder: Any, step: str | int) -> Any:
    if isinstance(holder, dict) and isinstance(step, str):
        return holder.get(step)
    if isinstance(holder, list) and isinstance(step, int) and 0 <= step < len(holder):
        return holder[step]
    return None


def json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists and scalars), cheaper than ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value

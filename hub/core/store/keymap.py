"""The key map: which hub id an external id stands for, per system and object type.

One partner has one golden record and many external ids (SAP customer number, shop
customer id, loyalty card holder id...). All functions work inside the caller's
transaction so that a document and its key-map entries are written together.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

import sqlalchemy as sa

from hub.core.errors import HubError
from hub.core.model.base import utcnow
from hub.core.model.registry import DOCUMENT_TYPES
from hub.core.store.bulk import insert_columns, one_of
from hub.core.store.tables import KeyMapRow

key_map = KeyMapRow.__table__
# Built once: mappings look ids up one at a time, and building the statement cost more
# than running it.
_LOOKUP = sa.select(key_map.c.hub_id).where(
    key_map.c.system == sa.bindparam("b_system"),
    key_map.c.object_type == sa.bindparam("b_object_type"),
    key_map.c.external_id == sa.bindparam("b_external_id"),
)


class KeyConflictError(HubError):
    """An external id is already linked to a different hub id."""


class ExternalKey(NamedTuple):
    """One external id of one object in one system.

    A named tuple: a batch makes one per document and uses it as a dict key several
    times, and a tuple's hash and equality run in C.
    """

    system: str
    object_type: str
    external_id: str


def lookup(conn: sa.Connection, system: str, object_type: str, external_id: str) -> str | None:
    """The hub id linked to an external id, or None."""
    return conn.execute(
        _LOOKUP, {"b_system": system, "b_object_type": object_type, "b_external_id": external_id}
    ).scalar_one_or_none()


@lru_cache(maxsize=4)
def _lookup_many(backend: str) -> sa.Select[str, str]:
    return sa.select(key_map.c.external_id, key_map.c.hub_id).where(
        key_map.c.system == sa.bindparam("b_system"),
        key_map.c.object_type == sa.bindparam("b_object_type"),
        one_of(backend, key_map.c.external_id, "b_external_ids"),
    )


@lru_cache(maxsize=4)
def _external_ids_of(backend: str) -> sa.Select[str, str, str]:
    # A link under an object type that is no document type is a lookup aid of a plugin
    # (a guest's e-mail, the order a refund names), not an id the document has.
    return (
        sa.select(key_map.c.hub_id, key_map.c.system, key_map.c.external_id)
        .where(one_of(backend, key_map.c.hub_id, "b_hub_ids"), key_map.c.object_type.in_(list(DOCUMENT_TYPES)))
        .order_by(key_map.c.created_at, key_map.c.external_id)
    )


def lookup_many(
    conn: sa.Connection, system: str, object_type: str, external_ids: Iterable[str]
) -> dict[str, str]:
    """external id -> hub id for those of ``external_ids`` that are linked."""
    ids = list(dict.fromkeys(external_ids))
    if not ids:
        return {}
    rows = conn.execute(
        _lookup_many(conn.dialect.name),
        {"b_system": system, "b_object_type": object_type, "b_external_ids": ids},
    )
    return {external_id: hub_id for external_id, hub_id in rows}


def reverse_lookup(conn: sa.Connection, system: str, object_type: str, hub_id: str) -> str | None:
    """The first external id a hub id has in ``system``, or None."""
    return conn.execute(
        sa.select(key_map.c.external_id)
        .where(key_map.c.system == system, key_map.c.object_type == object_type,
               key_map.c.hub_id == hub_id)
        .order_by(key_map.c.created_at, key_map.c.external_id)
        .limit(1)
    ).scalar_one_or_none()


def external_ids_of(conn: sa.Connection, hub_ids: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """hub id -> system -> external ids, for several documents at once: the links under
    a document type, not a plugin's lookup aids (``link`` under another object type)."""
    result: dict[str, dict[str, list[str]]] = {hub_id: {} for hub_id in hub_ids}
    if result:
        for hub_id, system, external_id in conn.execute(
            _external_ids_of(conn.dialect.name), {"b_hub_ids": list(result)}
        ):
            result[hub_id].setdefault(system, []).append(external_id)
    return result


def link(conn: sa.Connection, key: ExternalKey, hub_id: str) -> bool:
    """Link ``key`` to ``hub_id``; True if a new link was written.

    Linking an id already linked to the same hub id is a no-op; linking it to another
    hub id raises KeyConflictError (a merge re-points links explicitly).
    """
    current = lookup(conn, key.system, key.object_type, key.external_id)
    if current == hub_id:
        return False
    if current is not None:
        raise KeyConflictError(
            f"{key.system} {key.object_type} {key.external_id!r} is linked to {current}, not {hub_id}"
        )
    link_new(conn, [(key, hub_id)])
    return True


def link_new(conn: sa.Connection, links: list[tuple[ExternalKey, str]]) -> None:
    """Insert links known to be absent, in one statement.

    Sorted by key, as the worker records the ids peers assign (``hub.core.queue.claim``):
    two transactions linking some of the same keys then wait for each other in one
    order and cannot deadlock over them. A key another transaction linked meanwhile
    raises IntegrityError, and the caller runs its transaction again (it decided on a
    lookup that is no longer true).
    """
    if not links:
        return
    links = sorted(links, key=lambda link: link[0])
    now = utcnow()
    insert_columns(conn, key_map, {
        "system": [k.system for k, _ in links], "object_type": [k.object_type for k, _ in links],
        "external_id": [k.external_id for k, _ in links], "hub_id": [hub_id for _, hub_id in links],
        "created_at": [now] * len(links),
    })


def repoint(conn: sa.Connection, from_hub_id: str, to_hub_id: str) -> int:
    """Move every link of ``from_hub_id`` to ``to_hub_id`` (used by merge); returns the count."""
    return conn.execute(
        key_map.update().where(key_map.c.hub_id == from_hub_id).values(hub_id=to_hub_id)
    ).rowcount


def links_of(conn: sa.Connection, hub_id: str) -> list[ExternalKey]:
    """Every external key linked to ``hub_id``."""
    rows = conn.execute(
        sa.select(key_map.c.system, key_map.c.object_type, key_map.c.external_id)
        .where(key_map.c.hub_id == hub_id).order_by(key_map.c.system, key_map.c.external_id)
    )
    return [ExternalKey(*row) for row in rows]


def move_back(conn: sa.Connection, keys: Iterable[ExternalKey], from_hub_id: str, to_hub_id: str) -> list[ExternalKey]:
    """Link each of ``keys`` that still points at ``from_hub_id`` to ``to_hub_id`` (an
    unmerge); the keys moved. A key linked elsewhere since is left alone."""
    moved = []
    for key in keys:
        result = conn.execute(
            key_map.update().where(key_map.c.system == key.system, key_map.c.object_type == key.object_type,
                                   key_map.c.external_id == key.external_id, key_map.c.hub_id == from_hub_id)
            .values(hub_id=to_hub_id))
        if result.rowcount:
            moved.append(key)
    return moved

"""The key map: which hub id an external id stands for, per system and object type.

One partner has one golden record and many external ids (SAP customer number, shop
customer id, loyalty card holder id...). All functions work inside the caller's
transaction so that a document and its key-map entries are written together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from hub.core.errors import HubError
from hub.core.model.base import utcnow
from hub.core.store.bulk import insert_rows
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


@dataclass(frozen=True)
class ExternalKey:
    """One external id of one object in one system."""

    system: str
    object_type: str
    external_id: str


def lookup(conn: sa.Connection, system: str, object_type: str, external_id: str) -> str | None:
    """The hub id linked to an external id, or None."""
    return conn.execute(
        _LOOKUP, {"b_system": system, "b_object_type": object_type, "b_external_id": external_id}
    ).scalar_one_or_none()


def lookup_many(
    conn: sa.Connection, system: str, object_type: str, external_ids: Iterable[str]
) -> dict[str, str]:
    """external id -> hub id for those of ``external_ids`` that are linked."""
    ids = list(dict.fromkeys(external_ids))
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            sa.select(key_map.c.external_id, key_map.c.hub_id).where(
                key_map.c.system == system,
                key_map.c.object_type == object_type,
                key_map.c.external_id.in_(ids[start : start + 500]),
            )
        )
        found.update({row.external_id: row.hub_id for row in rows})
    return found


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
    """hub id -> system -> external ids, for several documents at once."""
    ids = list(hub_ids)
    result: dict[str, dict[str, list[str]]] = {hub_id: {} for hub_id in ids}
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            sa.select(key_map.c.hub_id, key_map.c.system, key_map.c.external_id)
            .where(key_map.c.hub_id.in_(ids[start : start + 500]))
            .order_by(key_map.c.created_at, key_map.c.external_id)
        )
        for row in rows:
            result[row.hub_id].setdefault(row.system, []).append(row.external_id)
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
    """Insert links known to be absent, in one statement."""
    if not links:
        return
    now = utcnow()
    insert_rows(
        conn, key_map,
        [
            {"system": k.system, "object_type": k.object_type, "external_id": k.external_id,
             "hub_id": hub_id, "created_at": now}
            for k, hub_id in links
        ],
    )


def repoint(conn: sa.Connection, from_hub_id: str, to_hub_id: str) -> int:
    """Move every link of ``from_hub_id`` to ``to_hub_id`` (used by merge); returns the count."""
    return conn.execute(
        key_map.update().where(key_map.c.hub_id == from_hub_id).values(hub_id=to_hub_id)
    ).rowcount

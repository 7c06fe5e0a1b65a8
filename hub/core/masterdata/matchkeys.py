"""Storage of the duplicate check's blocking keys (``partner_match_keys``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from hub.core.masterdata.duplicates import FUZZY_KINDS, MAX_FUZZY_HOLDERS, MatchKey, PartnerProfile
from hub.core.store.bulk import insert_rows
from hub.core.store.tables import DocumentRow, PartnerMatchKeyRow

match_keys = PartnerMatchKeyRow.__table__
documents = DocumentRow.__table__


def _usable(conn: sa.Connection, kind: str, keys: list[str]) -> list[str]:
    """Those fuzzy keys shared by at most MAX_FUZZY_HOLDERS partners, counted in the database,
    so a key held by thousands never brings thousands of rows back."""
    counts = conn.execute(
        sa.select(match_keys.c.key, sa.func.count()).where(match_keys.c.kind == kind, match_keys.c.key.in_(keys))
        .group_by(match_keys.c.key)
    )
    too_common = {row[0] for row in counts if row[1] > MAX_FUZZY_HOLDERS}
    return [key for key in keys if key not in too_common]


def holders(conn: sa.Connection, keys: Iterable[MatchKey]) -> dict[MatchKey, set[str]]:
    """For each key, the hub ids of stored partners that have it.

    A fuzzy key (name and address) shared by more than MAX_FUZZY_HOLDERS partners is too
    common to tell anything, and comes back with no holders.
    """
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, key in set(keys):
        by_kind[kind].append(key)
    found: dict[MatchKey, set[str]] = defaultdict(set)
    for kind, values in by_kind.items():
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            if kind in FUZZY_KINDS:
                chunk = _usable(conn, kind, chunk)
            rows = conn.execute(
                sa.select(match_keys.c.key, match_keys.c.hub_id).where(
                    match_keys.c.kind == kind, match_keys.c.key.in_(chunk)
                )
            )
            for row in rows:
                found[(kind, row.key)].add(row.hub_id)
    return found


def profiles(conn: sa.Connection, hub_ids: Iterable[str]) -> dict[str, PartnerProfile]:
    """Duplicate-check profiles of stored, unmerged partners, built row by row.

    Reads only the data column and keeps only the small profiles, so checking a batch
    against many stored partners does not hold their whole documents in memory.
    """
    ids = list(hub_ids)
    found: dict[str, PartnerProfile] = {}
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            sa.select(documents.c.hub_id, documents.c.data).where(
                documents.c.hub_id.in_(ids[start : start + 500]), documents.c.merged_into.is_(None))
        )
        for row in rows:
            found[row.hub_id] = PartnerProfile.of(row.data)
    return found


def replace(conn: sa.Connection, keys_by_hub_id: Mapping[str, set[MatchKey]], *, new: bool = False) -> None:
    """Store the keys of these partners, replacing their old ones (``new``: they have none)."""
    ids = list(keys_by_hub_id)
    if not new:
        for start in range(0, len(ids), 500):
            conn.execute(match_keys.delete().where(match_keys.c.hub_id.in_(ids[start : start + 500])))
    rows = [
        {"hub_id": hub_id, "kind": kind, "key": key}
        for hub_id, keys in keys_by_hub_id.items()
        for kind, key in sorted(keys)
    ]
    insert_rows(conn, match_keys, rows)


def shared_key_groups(conn: sa.Connection) -> list[set[str]]:
    """Groups of partners that share at least one key (candidates for `hub partner duplicates`)."""
    shared = (
        sa.select(match_keys.c.kind, match_keys.c.key)
        .group_by(match_keys.c.kind, match_keys.c.key)
        .having(sa.func.count() > 1)
        .subquery()
    )
    rows = conn.execute(
        sa.select(match_keys.c.kind, match_keys.c.key, match_keys.c.hub_id).join(
            shared, sa.and_(shared.c.kind == match_keys.c.kind, shared.c.key == match_keys.c.key)
        )
    )
    groups: dict[MatchKey, set[str]] = defaultdict(set)
    for row in rows:
        groups[(row.kind, row.key)].add(row.hub_id)
    return list(groups.values())

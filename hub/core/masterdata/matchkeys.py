"""Storage of the duplicate check's blocking keys (``partner_match_keys``).

Keys are stored as 64-bit hashes (``key_hash``): their index stays small, so the pages
a batch of new partners dirties in it, and the time its commit waits for the disk, stay
few as the store grows. Hashing loses nothing the check needs: a key is only ever looked
up, never read back, and two keys that happen to share a hash only make one more partner
a candidate, which the score then judges like any other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache
from hashlib import blake2b
from typing import Any

import sqlalchemy as sa

from hub.core.masterdata.duplicates import PartnerProfile
from hub.core.matching.blocking import EXACT_KINDS, MAX_FUZZY_HOLDERS, MatchKey
from hub.core.matching.record import MatchRecord
from hub.core.store.bulk import insert_columns, one_of
from hub.core.store.tables import DocumentRow, PartnerMatchKeyRow

match_keys = PartnerMatchKeyRow.__table__
documents = DocumentRow.__table__


def key_hash(key: MatchKey) -> int:
    """The stored form of a key: the first 8 bytes of the BLAKE2b digest of its kind and
    text, as a signed 64-bit integer (what a BIGINT column holds).

    Stable across processes and Python versions, unlike ``hash()``. Changing it would
    orphan every stored key: that takes a migration that recomputes them (0005 made them).
    """
    kind, text = key
    return int.from_bytes(blake2b(f"{kind}\x00{text}".encode(), digest_size=8).digest(), "big", signed=True)


class KeyHashes(dict[MatchKey, int]):
    """Key -> ``key_hash(key)``, each hashed once when first asked for.

    An upsert batch hashes a new partner's keys to look their holders up and needs the
    same hashes again to store them; one of these per batch hashes each key once, where
    an ``lru_cache`` spent more on admitting thousands of new keys than on hashing them.
    """

    def __missing__(self, key: MatchKey) -> int:
        hashed = self[key] = key_hash(key)
        return hashed


@lru_cache(maxsize=4)
def _holders(backend: str, fuzzy: bool) -> sa.Select[int, str]:
    """Holders of the given key hashes; for fuzzy keys, only of keys shared by at most
    MAX_FUZZY_HOLDERS partners, counted in the database, so a key held by thousands
    never brings thousands of rows back."""
    query = sa.select(match_keys.c.key_hash, match_keys.c.hub_id).where(
        one_of(backend, match_keys.c.key_hash, "b_hashes")
    )
    if not fuzzy:
        return query
    counted = query.add_columns(
        sa.func.count().over(partition_by=match_keys.c.key_hash).label("holders")
    ).subquery()
    return sa.select(counted.c.key_hash, counted.c.hub_id).where(counted.c.holders <= MAX_FUZZY_HOLDERS)


@lru_cache(maxsize=4)
def _profile_data(backend: str) -> sa.Select[str, Any, str | None]:
    # Merged records are skipped in Python: a "merged_into IS NULL" condition tempts SQLite
    # into scanning that index (every live record) instead of looking the ids up.
    return sa.select(documents.c.hub_id, documents.c.data, documents.c.merged_into).where(
        one_of(backend, documents.c.hub_id, "b_hub_ids")
    )


@lru_cache(maxsize=4)
def _delete(backend: str) -> sa.Delete:
    return match_keys.delete().where(one_of(backend, match_keys.c.hub_id, "b_hub_ids"))


def holders(conn: sa.Connection, keys: Iterable[MatchKey],
            hashes: KeyHashes | None = None) -> dict[MatchKey, set[str]]:
    """For each key, the hub ids of stored partners that have it (``hashes``: the
    caller's hashes, kept for storing the keys later).

    A fuzzy key (any but e-mail, VAT and identification numbers) shared by more than
    MAX_FUZZY_HOLDERS partners is too common to tell anything, and comes back with no holders.
    """
    hashes = KeyHashes() if hashes is None else hashes
    # Exact and fuzzy keys are asked for apart: only fuzzy ones have a holder limit.
    exact: dict[int, list[MatchKey]] = defaultdict(list)
    fuzzy: dict[int, list[MatchKey]] = defaultdict(list)
    for key in set(keys):
        (exact if key[0] in EXACT_KINDS else fuzzy)[hashes[key]].append(key)
    found: dict[MatchKey, set[str]] = defaultdict(set)
    for is_fuzzy, by_hash in ((False, exact), (True, fuzzy)):
        if not by_hash:
            continue
        # One fetchall, not a fetchone per row: a batch brings back a thousand small rows.
        rows = conn.execute(_holders(conn.dialect.name, is_fuzzy), {"b_hashes": list(by_hash)}).all()
        for hashed, hub_id in rows:
            for key in by_hash[hashed]:
                found[key].add(hub_id)
    return found


def profiles(conn: sa.Connection, hub_ids: Iterable[str]) -> dict[str, PartnerProfile]:
    """Duplicate-check profiles of stored, unmerged partners, built row by row.

    Reads only the data column and keeps only the small profiles, so checking a batch
    against many stored partners does not hold their whole documents in memory.
    """
    ids = list(hub_ids)
    if not ids:
        return {}
    rows = conn.execute(_profile_data(conn.dialect.name), {"b_hub_ids": ids})
    return {hub_id: PartnerProfile.of(data) for hub_id, data, merged_into in rows if merged_into is None}


def records(conn: sa.Connection, hub_ids: Iterable[str]) -> dict[str, MatchRecord]:
    """Match records of stored, unmerged partners (see ``profiles``)."""
    ids = list(hub_ids)
    if not ids:
        return {}
    rows = conn.execute(_profile_data(conn.dialect.name), {"b_hub_ids": ids})
    return {hub_id: MatchRecord.from_data(data) for hub_id, data, merged_into in rows if merged_into is None}


def partner_count(conn: sa.Connection) -> int:
    """How many partners the store holds (merged ones included: a handful at most)."""
    return int(conn.execute(
        sa.select(sa.func.count()).select_from(documents).where(documents.c.doc_type == "partner")
    ).scalar_one())


def replace(conn: sa.Connection, keys_by_hub_id: Mapping[str, Collection[MatchKey]], *, new: bool = False,
            hashes: KeyHashes | None = None) -> None:
    """Store the keys of these partners, replacing their old ones (``new``: they have none)."""
    hashes = KeyHashes() if hashes is None else hashes
    if not new and keys_by_hub_id:
        conn.execute(_delete(conn.dialect.name), {"b_hub_ids": list(keys_by_hub_id)})
    # In index order: consecutive inserts then land on the same few index pages.
    rows = sorted([(hashes[key], hub_id) for hub_id, keys in keys_by_hub_id.items() for key in keys])
    if rows:
        key_hashes, hub_ids = zip(*rows, strict=True)
        insert_columns(conn, match_keys, {"key_hash": key_hashes, "hub_id": hub_ids})


def shared_key_groups(conn: sa.Connection) -> list[set[str]]:
    """Groups of partners that share at least one key (candidates for `hub partner duplicates`)."""
    shared = (
        sa.select(match_keys.c.key_hash)
        .group_by(match_keys.c.key_hash)
        .having(sa.func.count() > 1)
        .subquery()
    )
    rows = conn.execute(
        sa.select(match_keys.c.key_hash, match_keys.c.hub_id).join(
            shared, shared.c.key_hash == match_keys.c.key_hash
        )
    )
    groups: dict[int, set[str]] = defaultdict(set)
    for hashed, hub_id in rows:
        groups[hashed].add(hub_id)
    return list(groups.values())

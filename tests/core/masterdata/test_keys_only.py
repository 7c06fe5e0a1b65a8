"""Upserts that keep match keys without scoring candidates (``score_duplicates`` off):
what a caller that matched the batch itself, the list import, asks for."""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.masterdata import Incoming, MasterDataService
from hub.core.model.partner import Partner


def anna(email: str) -> Partner:
    return Partner(kind="person", first_name="Anna", last_name="Müller", birth_date="1981-02-14", emails=[email],
                   addresses=[{"street": "Hauptstraße", "house_number": "5", "postal_code": "50667",
                               "city": "Köln"}])


def keys_of(engine: sa.Engine, hub_id: str) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT key_hash FROM partner_match_keys WHERE hub_id = :h"),
                                {"h": hub_id}).scalars())


def test_keys_are_kept_and_no_candidate_is_scored(hub_engine: sa.Engine) -> None:
    scoring = MasterDataService(hub_engine)
    first = scoring.upsert(anna("anna@example.de"), "erp_sap", "1")
    keys_only = MasterDataService(hub_engine)
    keys_only.score_duplicates = False
    second = keys_only.upsert(anna("anna@example.de"), "trade_fair", "T-1")
    assert second.created and second.duplicates == ()
    assert keys_of(hub_engine, second.hub_id) == keys_of(hub_engine, first.hub_id) != set()
    changed = keys_only.upsert_many([Incoming(anna("anna.m@example.de"), "trade_fair", "T-1")])[0]
    assert changed.changed and keys_of(hub_engine, second.hub_id) != keys_of(hub_engine, first.hub_id)
    third = scoring.upsert(anna("anna.m@example.de"), "ecommerce", "x")
    assert second.hub_id in {d.hub_id for d in third.duplicates}

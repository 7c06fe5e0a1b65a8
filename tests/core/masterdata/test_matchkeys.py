"""Stored blocking keys: who holds a key, and fuzzy keys too common to tell anything."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from hub.core.masterdata import MasterDataService, matchkeys
from hub.core.masterdata.duplicates import PartnerProfile
from hub.core.matching.blocking import MAX_FUZZY_HOLDERS
from hub.core.model.partner import Partner
from hub.core.store import migrate

EMAIL_HASH = 903810017037185507
VAT_HASH = 6504519107438643691


def test_a_fuzzy_key_held_by_too_many_partners_finds_none(hub_engine: sa.Engine) -> None:
    many = [f"bp_{n:03d}" for n in range(MAX_FUZZY_HOLDERS + 1)]
    enough = many[:MAX_FUZZY_HOLDERS]
    with hub_engine.begin() as conn:
        matchkeys.replace(conn, {h: {("namezip", "mueller|50667"), ("vat", "DE1")} for h in many}, new=True)
        matchkeys.replace(conn, {h: {("namezip", "schmidt|10115")} for h in enough}, new=True)
    with hub_engine.connect() as conn:
        found = matchkeys.holders(conn, [("namezip", "mueller|50667"), ("namezip", "schmidt|10115"),
                                         ("vat", "DE1"), ("vat", "DE2")])
    assert ("namezip", "mueller|50667") not in found  # fuzzy and too common
    assert found[("namezip", "schmidt|10115")] == set(enough)
    assert found[("vat", "DE1")] == set(many)  # an exact key always counts
    assert ("vat", "DE2") not in found


def test_replacing_keys_drops_the_old_ones(hub_engine: sa.Engine) -> None:
    with hub_engine.begin() as conn:
        matchkeys.replace(conn, {"bp_A": {("email", "a@x.de")}, "bp_B": {("email", "a@x.de")}}, new=True)
        matchkeys.replace(conn, {"bp_A": {("email", "new@x.de")}})
    with hub_engine.connect() as conn:
        assert matchkeys.holders(conn, [("email", "a@x.de"), ("email", "new@x.de")]) == {
            ("email", "a@x.de"): {"bp_B"}, ("email", "new@x.de"): {"bp_A"}
        }


def test_key_hashes_are_pinned_and_tell_kinds_apart() -> None:
    # Stored hashes must stay what migration 0005 wrote: a new hash function orphans them.
    assert matchkeys.key_hash(("email", "info@mueller.de")) == EMAIL_HASH
    assert matchkeys.key_hash(("vat", "DE123456789")) == VAT_HASH
    assert matchkeys.key_hash(("email", "x")) != matchkeys.key_hash(("vat", "x"))


def test_a_batch_hashes_each_key_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[str, str]] = []
    real = matchkeys.key_hash
    monkeypatch.setattr(matchkeys, "key_hash", lambda key: made.append(key) or real(key))
    hashes = matchkeys.KeyHashes()
    assert hashes[("email", "info@mueller.de")] == EMAIL_HASH and hashes[("vat", "DE123456789")] == VAT_HASH
    assert hashes[("email", "info@mueller.de")] == EMAIL_HASH
    assert made == [("email", "info@mueller.de"), ("vat", "DE123456789")]


def test_revision_0021_swaps_the_birth_date_keys_of_stored_partners_for_mailbox_and_address(
        hub_engine: sa.Engine) -> None:
    service = MasterDataService(hub_engine)
    partner = Partner(kind="person", first_name="Anna", last_name="Roth", birth_date="1970-03-12",
                      emails=["anna.roth7@web.de", "info@roth.de"],
                      addresses=[{"street": "Hauptstraße 5", "postal_code": "50667", "city": "Köln", "country": "DE"}])
    hub_id = service.upsert(partner, "erp_sap", "1").hub_id
    added = [("mailbox", "anna.roth7"), ("ad", "50667|haupts5")]
    dropped = [("dz", "1970-03-12|50667"), ("ds", "1970-03-12|haupts5")]
    keys = PartnerProfile.of(partner.business_data()).keys()
    assert set(added) <= keys and not set(dropped) & keys
    with hub_engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0020")
        assert matchkeys.holders(conn, [*added, *dropped, ("mailbox", "info")]) == {key: {hub_id} for key in dropped}
        assert matchkeys.holders(conn, [("email", "anna.roth7@web.de")]) == {("email", "anna.roth7@web.de"): {hub_id}}
    migrate.upgrade(hub_engine)
    with hub_engine.connect() as conn:
        assert matchkeys.holders(conn, [*added, *dropped, ("mailbox", "info")]) == {key: {hub_id} for key in added}

"""find_matches against a real store, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hub.core.masterdata import Incoming, MasterDataService
from hub.core.matching.find import Decision, find_matches
from hub.core.matching.record import MatchRecord
from hub.core.matching.settings import MatchingSettings
from hub.core.model.partner import Partner


def person(first: str, last: str, born: str | None, street: str = "Hauptstraße", number: str = "5",
           postal: str = "50667", city: str = "Köln", **more: Any) -> Partner:
    return Partner(kind="person", first_name=first, last_name=last, birth_date=born,
                   addresses=[{"street": street, "house_number": number, "postal_code": postal, "city": city}],
                   **more)


def test_a_batch_finds_stored_partners_and_its_own_earlier_rows(hub_engine: sa.Engine) -> None:
    service = MasterDataService(hub_engine)
    stored = service.upsert_many([
        Incoming(person("William", "Schmidt", "1970-03-12"), "erp_sap", "1"),
        Incoming(person("Anna", "Schmidt", "1972-08-30"), "erp_sap", "2"),  # his wife: same address
        Incoming(person("Josef", "Huber", "1955-01-02", "Ringstraße", "1", "80331", "München"), "erp_sap", "3"),
    ])
    rows = [
        person("Bill", "Schmitt", "1970-12-03", "Hauptstr.", "5"),          # nickname, typo, day/month swapped
        person("Huber", "Sepp", "1955-01-02", "Ring Str.", "1", "80313", "München"),  # swapped names, postcode
        person("Lena", "Meyer", "1990-05-05", "Am Markt", "3", "01067", "Dresden"),   # nobody
        person("Lena", "Maier", "1990-05-05", "Am Markt", "3", "01067", "Dresden"),   # the row before
    ]
    with hub_engine.connect() as conn:
        results = find_matches(conn, [MatchRecord.from_partner(p) for p in rows])
    assert [r.decision for r in results] == [Decision.link, Decision.link, Decision.new, Decision.link]
    assert results[0].hub_id == stored[0].hub_id and results[0].probability >= 0.99
    assert results[1].hub_id == stored[2].hub_id and "names swapped" in results[1].evidence
    assert results[2].candidates == 0
    assert results[3].batch_row == 2 and results[3].hub_id is None
    with hub_engine.connect() as conn:
        alone = find_matches(conn, [MatchRecord.from_partner(rows[3])], within_batch=False)
    assert alone[0].decision is Decision.new


def test_the_thresholds_decide_and_a_record_never_matches_itself(hub_engine: sa.Engine) -> None:
    service = MasterDataService(hub_engine)
    (kept,) = service.upsert_many([Incoming(person("Anna", "Schmidt", "1972-08-30"), "erp_sap", "2")])
    record = MatchRecord.from_partner(person("Anna", "Schmidt", None, city="Koeln"))
    with hub_engine.connect() as conn:
        (loose,) = find_matches(conn, [record])
        (strict,) = find_matches(conn, [record], settings=MatchingSettings(link_threshold=1.0, review_threshold=1.0))
        (itself,) = find_matches(conn, [record], exclude=[kept.hub_id])
    assert loose.hub_id == kept.hub_id and loose.decision is not Decision.new
    assert strict.decision is Decision.new and strict.hub_id == kept.hub_id
    assert itself == itself.__class__(Decision.new)

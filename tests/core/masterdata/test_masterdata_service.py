"""Upserts into golden records, on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from hub.core.errors import DocumentError, StaleUpdateError
from hub.core.events import DocumentChange
from hub.core.masterdata import Incoming, MasterDataService
from hub.core.masterdata.duplicates import PartnerProfile, rank_candidates
from hub.core.matching.blocking import MAX_FUZZY_HOLDERS
from hub.core.model.partner import Partner
from hub.core.settings import SourcePriority
from hub.core.store import documents

PRIORITY = {"partner": SourcePriority(default=["erp_sap", "ecommerce"],
                                      fields={"emails": ["ecommerce", "erp_sap"]})}


def partner(**fields: Any) -> Partner:
    base: dict[str, Any] = {"kind": "organisation", "organisation_name": "Müller Maschinenbau GmbH",
                            "addresses": [{"street": "Hauptstraße", "house_number": "5",
                                           "postal_code": "50667", "city": "Köln", "country": "DE"}]}
    return Partner(**{**base, **fields})


@pytest.fixture
def service(hub_engine: sa.Engine) -> MasterDataService:
    return MasterDataService(hub_engine, source_priority=PRIORITY)


def test_first_upsert_creates_and_links_the_external_id(service: MasterDataService) -> None:
    result = service.upsert(partner(), "erp_sap", "0000100001")
    assert result.created and result.changed and result.version == 1
    stored = service.find("erp_sap", "partner", "0000100001")
    assert stored.hub_id == result.hub_id
    assert [(r.system, r.id) for r in stored.external_ids] == [("erp_sap", "0000100001")]
    assert stored.display_name == "Müller Maschinenbau GmbH"  # type: ignore[attr-defined]


def test_an_unchanged_document_makes_no_version_and_no_message(hub_engine: sa.Engine) -> None:
    seen: list[DocumentChange] = []
    service = MasterDataService(hub_engine, listeners=[lambda conn, changes: seen.extend(changes)])
    first = service.upsert(partner(), "erp_sap", "1")
    again = service.upsert(partner(), "erp_sap", "1")
    assert not again.changed and again.version == 1 and again.hub_id == first.hub_id
    assert len(seen) == 1
    with hub_engine.connect() as conn:
        assert len(documents.history(conn, first.hub_id)) == 1


def test_changes_are_versioned_with_what_changed_and_who(service: MasterDataService, hub_engine: sa.Engine) -> None:
    first = service.upsert(partner(), "erp_sap", "1")
    second = service.upsert(partner(emails=["info@mueller.de"]), "ecommerce", "shop-9")
    assert second.created  # a different system's id is not linked yet: a new record
    linked = service.upsert(Partner(hub_id=first.hub_id, kind="organisation",
                                    organisation_name="Müller Maschinenbau GmbH",
                                    emails=["info@mueller.de"]), "ecommerce", "shop-1")
    assert linked.hub_id == first.hub_id and linked.version == 2
    assert linked.changes == {"emails": {"old": [], "new": ["info@mueller.de"]}}
    with hub_engine.connect() as conn:
        history = documents.history(conn, first.hub_id)
    assert [(v.version, v.source_system) for v in history] == [(1, "erp_sap"), (2, "ecommerce")]
    assert history[1].changed_at.tzinfo is not None


def test_a_create_stores_its_data_once_and_its_history_still_says_what_changed(
    service: MasterDataService, hub_engine: sa.Engine
) -> None:
    created = service.upsert(partner(emails=["info@mueller.de"]), "erp_sap", "1")
    updated = service.upsert(partner(emails=["sales@mueller.de"]), "erp_sap", "1")
    with hub_engine.connect() as conn:
        stored = conn.execute(
            sa.select(documents.versions.c.version, documents.versions.c.changes.is_(None))
            .where(documents.versions.c.hub_id == created.hub_id).order_by(documents.versions.c.version)
        ).all()
        history = documents.history(conn, created.hub_id)
    assert [tuple(row) for row in stored] == [(1, True), (2, False)]  # SQL NULL, not JSON null
    assert history[0].changes == created.changes
    assert history[0].changes["emails"] == {"old": None, "new": ["info@mueller.de"]}
    assert "first_name" not in history[0].changes  # empty fields were not set
    assert history[1].changes == updated.changes == {
        "emails": {"old": ["info@mueller.de"], "new": ["sales@mueller.de"]}
    }


def test_source_priority_decides_field_by_field(service: MasterDataService) -> None:
    hub_id = service.upsert(partner(emails=["erp@m.de"], tax_numbers=[{"category": "VAT", "number": "DE1"}]),
                            "erp_sap", "1").hub_id
    service.upsert(Partner(hub_id=hub_id, kind="organisation", organisation_name="Müller Maschinenbau GmbH",
                           emails=["shop@m.de"], tax_numbers=[{"category": "VAT", "number": "DE2"}]),
                   "ecommerce", "s1")
    golden = service.get(hub_id)
    assert golden.emails == ["shop@m.de"]  # type: ignore[attr-defined]  # the shop wins e-mail
    assert golden.tax_numbers[0].number == "DE1"  # type: ignore[attr-defined]  # the ERP wins the rest
    result = service.upsert(partner(emails=["erp2@m.de"]), "erp_sap", "1")
    assert "emails" not in result.changes


def test_a_source_that_does_not_send_a_field_never_blanks_it(service: MasterDataService) -> None:
    hub_id = service.upsert(partner(emails=["a@b.de"]), "erp_sap", "1").hub_id
    service.upsert(Partner(kind="organisation", organisation_name="Müller Maschinenbau GmbH"), "erp_sap", "1")
    assert service.get(hub_id).emails == ["a@b.de"]  # type: ignore[attr-defined]


def test_stale_edit_is_refused_and_nothing_is_written(service: MasterDataService) -> None:
    hub_id = service.upsert(partner(), "erp_sap", "1").hub_id
    read = service.get(hub_id)
    service.upsert(partner(emails=["new@m.de"]), "erp_sap", "1")
    edited = read.model_copy(update={"emails": ["mine@m.de"]})
    with pytest.raises(StaleUpdateError, match="version 1, but version 2"):
        service.upsert(edited, "hub", expected_version=read.version)
    assert service.get(hub_id).emails == ["new@m.de"]  # type: ignore[attr-defined]


def test_same_object_twice_in_one_batch_gets_two_versions(service: MasterDataService) -> None:
    results = service.upsert_many([
        Incoming(partner(), "erp_sap", "1"),
        Incoming(partner(emails=["x@m.de"]), "erp_sap", "1"),
    ])
    assert results[0].hub_id == results[1].hub_id
    assert (results[0].version, results[1].version) == (1, 2)
    assert service.get(results[0].hub_id).version == 2


def test_a_merged_record_that_would_be_invalid_is_refused_whole(
        service: MasterDataService, hub_engine: sa.Engine) -> None:
    hub_id = service.upsert(Partner(kind="person", last_name="Schmidt"), "erp_sap", "1").hub_id
    with pytest.raises(DocumentError, match="partner bp_") as caught:
        service.upsert_many([
            Incoming(Partner(kind="person", last_name="Neu"), "erp_sap", "2"),
            Incoming(Partner(kind="person", last_name="Schmidt", first_name="Eva").model_copy(
                update={"last_name": None}), "erp_sap", "1"),
        ])
    assert "last_name" in str(caught.value) or "person" in str(caught.value)
    with hub_engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM documents")).scalar()
    assert count == 1 and service.get(hub_id).version == 1


def test_a_failing_listener_leaves_neither_the_change_nor_anything_else(hub_engine: sa.Engine) -> None:
    def broken_outbox(conn: sa.Connection, changes: Sequence[DocumentChange]) -> None:
        raise RuntimeError("outbox down")

    service = MasterDataService(hub_engine, listeners=[broken_outbox])
    with pytest.raises(RuntimeError):
        service.upsert(partner(), "erp_sap", "1")
    with hub_engine.connect() as conn:
        counts = [conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("documents", "document_versions", "key_map", "partner_match_keys")]
    assert counts == [0, 0, 0, 0]


def test_duplicate_candidates_are_returned_and_listed(service: MasterDataService) -> None:
    first = service.upsert(partner(tax_numbers=[{"category": "VAT", "number": "DE123456789"}]), "erp_sap", "1")
    other = service.upsert(partner(organisation_name="Mueller Maschinenbau AG"), "ecommerce", "s-1")
    unrelated = service.upsert(partner(organisation_name="Zeta Bäckerei", addresses=[
        {"street": "Ring", "house_number": "1", "postal_code": "80331", "city": "München"}]), "ecommerce", "s-2")
    assert first.duplicates == ()
    assert [c.hub_id for c in other.duplicates] == [first.hub_id]
    assert other.duplicates[0].score >= 0.75
    assert unrelated.duplicates == ()
    pairs = service.duplicate_pairs()
    assert [{p.hub_id, p.other_hub_id} for p in pairs] == [{first.hub_id, other.hub_id}]


def test_duplicates_within_one_batch_are_found(service: MasterDataService) -> None:
    results = service.upsert_many([
        Incoming(partner(emails=["info@m.de"]), "ecommerce", "a"),
        Incoming(partner(organisation_name="Other Name", emails=["info@m.de"]), "ecommerce", "b"),
    ])
    assert [c.hub_id for c in results[1].duplicates] == [results[0].hub_id]


def test_a_fuzzy_key_too_common_within_one_batch_finds_no_candidates_as_a_stored_one(
    service: MasterDataService,
) -> None:
    """Twins share only fuzzy keys (name with postal code and street): each is compared
    with its earlier twins while they are at most MAX_FUZZY_HOLDERS, as a stored key
    would be, and not beyond (the batch used to compare each with every earlier one)."""
    twins = [partner() for _ in range(MAX_FUZZY_HOLDERS + 2)]
    results = service.upsert_many([Incoming(p, "erp_sap", str(n)) for n, p in enumerate(twins)])
    assert [len(r.duplicates) for r in results] == [*range(MAX_FUZZY_HOLDERS + 1), 0]


def test_a_key_one_partner_gives_up_still_finds_its_stored_holders_for_the_next(
    service: MasterDataService,
) -> None:
    def org(name: str, email: str, postal: str) -> Partner:
        return partner(organisation_name=name, emails=[email], addresses=[
            {"street": f"{name}weg", "house_number": "1", "postal_code": postal, "city": "X", "country": "DE"}])

    keeper = service.upsert(org("Alpha", "shared@x.de", "10115"), "erp_sap", "keeper")
    service.upsert(org("Beta", "shared@x.de", "20095"), "erp_sap", "leaver")
    service.upsert(org("Gamma", "own@x.de", "80331"), "erp_sap", "joiner")
    leaver, joiner = service.upsert_many([
        Incoming(org("Beta", "new@x.de", "20095"), "erp_sap", "leaver"),  # gives shared@x.de up
        Incoming(org("Gamma", "shared@x.de", "80331"), "erp_sap", "joiner"),  # takes it
    ])
    assert leaver.changed and joiner.changed
    assert keeper.hub_id in [c.hub_id for c in joiner.duplicates]


def test_a_batch_runs_with_the_garbage_collector_paused(hub_engine: sa.Engine) -> None:
    seen: list[bool] = []
    service = MasterDataService(hub_engine, listeners=[lambda conn, changes: seen.append(gc.isenabled())])
    assert gc.isenabled()
    service.upsert_many([Incoming(partner(), "erp_sap", "1"), Incoming(partner(), "erp_sap", "2")])
    assert seen == [False] and gc.isenabled()


def _generated_partners(count: int) -> list[Partner]:
    """Partners that share e-mails, VAT numbers, names and addresses in many ways, so
    every kind of key finds holders (each fuzzy key well under MAX_FUZZY_HOLDERS)."""
    words = ["Müller", "Mueller", "Schmidt", "Schmitt", "Weber", "Wéber", "Fischer", "Becker"]
    trades = ["Maschinenbau GmbH", "Logistik AG", "Bau & Söhne KG", "Handel"]
    postals = ["50667", "10115", "80331"]
    made = []
    for n in range(count):
        made.append(partner(
            organisation_name=f"{words[n % len(words)]} {trades[n // 8 % len(trades)]}",
            emails=[f"info{n % 37}@example.de"],
            tax_numbers=[{"category": "VAT", "number": f"DE {n % 41:09d}"}],
            addresses=[{"street": ["Hauptstraße", "Hauptstr.", "Ring"][n % 3], "house_number": str(n % 5),
                        "postal_code": postals[n // 3 % len(postals)], "city": "X", "country": "DE"}],
        ))
    return made


def test_batch_candidates_equal_scoring_every_earlier_partner_that_shares_a_key(
    service: MasterDataService,
) -> None:
    made = _generated_partners(120)
    results = []
    for start in range(0, len(made), 50):  # across batches and within them
        results += service.upsert_many(
            [Incoming(p, "erp_sap", str(start + i)) for i, p in enumerate(made[start:start + 50])]
        )
    profiles = [PartnerProfile.of(p.business_data()) for p in made]
    found_any = False
    for n, result in enumerate(results):
        earlier = [(results[m].hub_id, profiles[m]) for m in range(n) if profiles[m].keys() & profiles[n].keys()]
        expected = rank_candidates(profiles[n], earlier, service.duplicate_threshold, n)
        assert list(result.duplicates) == expected
        found_any = found_any or bool(expected)
    assert found_any

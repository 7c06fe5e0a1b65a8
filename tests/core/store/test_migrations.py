"""Migrations: an empty database reaches head, an older one is upgraded with its data,
and the migrations describe exactly the tables the code defines."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.core.masterdata import MasterDataService
from hub.core.masterdata.duplicates import PartnerProfile
from hub.core.masterdata.matchkeys import key_hash
from hub.core.model.base import utcnow
from hub.core.model.partner import Partner
from hub.core.store import archive, migrate
from hub.core.store.db import create_engine
from hub.core.store.schema import metadata


def test_empty_database_is_created_at_head(database_url: str) -> None:
    engine = create_engine(database_url)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


PLUGIN_TABLES = ("loyalty_", "contract_")
"""Tables a migration creates for a plugin, which declares them itself (its own test compares them)."""


def _core_names(name: str | None, kind: str, parent: object) -> bool:
    return kind != "table" or not (name or "").startswith(PLUGIN_TABLES)


def test_migrations_match_the_table_definitions(hub_engine: sa.Engine) -> None:
    with hub_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False, "include_name": _core_names})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_database_of_the_first_schema_is_upgraded_and_keeps_its_data(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine, "0001")
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO documents (hub_id, doc_type, version, data, field_sources, created_at,"
                " updated_at) VALUES ('bp_OLD', 'partner', 3, :data, '{}', :now, :now)"
            ),
            {"data": '{"kind": "person", "last_name": "Alt"}', "now": now},
        )
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT version, data FROM documents WHERE hub_id = 'bp_OLD'")).one()
    assert row.version == 3
    assert "Alt" in str(row.data)
    engine.dispose()


def test_version_history_survives_the_upgrade_that_lets_creates_store_no_changes(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO document_versions (hub_id, version, doc_type, data, changes, source_system,"
                " changed_at) VALUES ('bp_OLD', 1, 'partner', :data, :changes, 'erp_sap', :now)"
            ),
            {"data": '{"last_name": "Alt"}', "changes": '{"last_name": {"old": null, "new": "Alt"}}',
             "now": utcnow()},
        )
    migrate.upgrade(engine)
    with engine.begin() as conn:
        old = conn.execute(sa.text("SELECT changes FROM document_versions WHERE hub_id = 'bp_OLD'")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO document_versions (hub_id, version, doc_type, data, source_system, changed_at)"
                " VALUES ('bp_NEW', 1, 'partner', '{}', 'erp_sap', :now)"
            ),
            {"now": utcnow()},
        )
        with pytest.raises(sa.exc.IntegrityError):  # the unique (hub_id, version) survived too
            with conn.begin_nested():
                conn.execute(
                    sa.text(
                        "INSERT INTO document_versions (hub_id, version, doc_type, data, source_system,"
                        " changed_at) VALUES ('bp_OLD', 1, 'partner', '{}', 'erp_sap', :now)"
                    ),
                    {"now": utcnow()},
                )
    assert "Alt" in str(old)
    engine.dispose()


def _stored_partner(conn: sa.Connection, hub_id: str, partner: Partner) -> None:
    """A partner as a 0004 hub stored it: its document and its match keys as kind and text."""
    data = partner.business_data()
    conn.execute(
        sa.text(
            "INSERT INTO documents (hub_id, doc_type, version, data, field_sources, created_at, updated_at)"
            " VALUES (:hub_id, 'partner', 1, :data, '{}', :now, :now)"
        ),
        {"hub_id": hub_id, "data": json.dumps(data), "now": utcnow()},
    )
    for kind, key in PartnerProfile.of(data).keys():
        conn.execute(
            sa.text("INSERT INTO partner_match_keys (hub_id, kind, key) VALUES (:hub_id, :kind, :key)"),
            {"hub_id": hub_id, "kind": kind, "key": key},
        )


def _partner(name: str, vat: str, email: str) -> Partner:
    return Partner(kind="organisation", organisation_name=name, emails=[email],
                   addresses=[{"street": "Hauptstraße", "house_number": "5", "postal_code": "50667",
                               "city": "Köln", "country": "DE"}],
                   tax_numbers=[{"category": "VAT", "number": vat}])


def test_match_keys_become_hashes_and_the_duplicate_check_finds_the_same_partners(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine, "0004")
    with engine.begin() as conn:
        _stored_partner(conn, "bp_A", _partner("Müller Logistik GmbH", "DE123456789", "info@mueller.de"))
        _stored_partner(conn, "bp_B", _partner("Mueller Logistik", "DE 123 456 789", "kontakt@mueller.de"))
        _stored_partner(conn, "bp_C", _partner("Schmidt Bau AG", "DE987654321", "info@schmidt.de"))
        stored = conn.execute(sa.text("SELECT count(*) FROM partner_match_keys")).scalar_one()
    migrate.upgrade(engine)
    service = MasterDataService(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM partner_match_keys")).scalar_one() == stored
    pairs = service.duplicate_pairs()
    assert [(p.hub_id, p.other_hub_id) for p in pairs] == [("bp_A", "bp_B")]
    assert any(r.startswith("identification exact") for r in pairs[0].reasons)  # the VAT number
    result = service.upsert(_partner("Müller Logistik KG", "DE123456789", "info@mueller.de"), "shop", "77")
    assert {c.hub_id for c in result.duplicates} == {"bp_A", "bp_B"}
    engine.dispose()


def test_inbound_payloads_of_0005_are_kept_and_compared_by_content_after_the_upgrade(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine, "0005")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO inbound_payloads (system, document_kind, dedupe_key, content_type, payload, status,"
                " duplicates, received_at, history) VALUES ('erp_sap', 'DEBMAS', 'DEBMAS:4711', 'a/b', :payload,"
                " 'posted', 0, :now, '[]')"
            ),
            {"payload": b"<kept/>", "now": utcnow()},
        )
    migrate.upgrade(engine)
    with engine.begin() as conn:
        same = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "DEBMAS:4711", "a/b", b"<kept/>")
        other = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "DEBMAS:4711", "a/b", b"<changed/>")
        with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():  # one first copy per key
            conn.execute(archive.inbound.insert().values(
                system="erp_sap", document_kind="DEBMAS", dedupe_key="DEBMAS:4711", content_type="a/b",
                payload=b"<third/>", content_hash="x", status="received", duplicates=0, received_at=utcnow()))
    assert same.duplicate and other.conflict_of == same.id
    engine.dispose()


def test_upgrading_a_current_database_changes_nothing(hub_engine: sa.Engine) -> None:
    # Sorted: PostgreSQL lists tables in catalogue order, which its own housekeeping may change.
    before = sorted(sa.inspect(hub_engine).get_table_names())
    migrate.upgrade(hub_engine)
    assert sorted(sa.inspect(hub_engine).get_table_names()) == before


def test_the_head_constant_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(migrate.MIGRATIONS)).get_current_head() == migrate.HEAD_REVISION


def test_match_keys_are_rebuilt_for_the_matching_method_as_the_code_makes_them(database_url: str) -> None:
    engine = create_engine(database_url)
    migrate.upgrade(engine, "0013")
    partners = {
        "bp_P": Partner(kind="person", first_name="Bill", last_name="Müller", birth_date="1970-03-12",
                        emails=["Bill@X.de"], phones=[{"number": "+49 221 1234567"}],
                        identifications=[{"kind": "passport", "number": "C01X 00T47"}],
                        addresses=[{"street": "Hauptstraße 5", "postal_code": "50667", "city": "Köln"}]),
        "bp_O": _partner("Müller Logistik GmbH & Co. KG", "DE 123 456 789", "info@mueller.de"),
    }
    with engine.begin() as conn:
        for hub_id, partner in partners.items():
            _stored_partner_at_0013(conn, hub_id, partner)
        conn.execute(sa.text("INSERT INTO partner_match_keys (hub_id, key_hash) VALUES ('bp_P', 42)"))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT hub_id, key_hash FROM partner_match_keys")).all()
    expected = {(hub_id, key_hash(k)) for hub_id, p in partners.items()
                for k in PartnerProfile.of(p.business_data()).keys()}
    assert sorted(stored) == sorted(expected) and len(expected) > 12
    engine.dispose()


def _stored_partner_at_0013(conn: sa.Connection, hub_id: str, partner: Partner) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO documents (hub_id, doc_type, version, data, field_sources, created_at, updated_at)"
            " VALUES (:hub_id, 'partner', 1, :data, '{}', :now, :now)"
        ),
        {"hub_id": hub_id, "data": json.dumps(partner.business_data()), "now": utcnow()},
    )

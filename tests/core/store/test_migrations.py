"""Migrations: an empty database reaches head, an older one is upgraded with its data,
and the migrations describe exactly the tables the code defines."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.core.model.base import utcnow
from hub.core.store import migrate
from hub.core.store.db import create_engine
from hub.core.store.tables import metadata


def test_empty_database_is_created_at_head(database_url: str) -> None:
    engine = create_engine(database_url)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_migrations_match_the_table_definitions(hub_engine: sa.Engine) -> None:
    with hub_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
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


def test_upgrading_a_current_database_changes_nothing(hub_engine: sa.Engine) -> None:
    before = sa.inspect(hub_engine).get_table_names()
    migrate.upgrade(hub_engine)
    assert sa.inspect(hub_engine).get_table_names() == before


def test_the_head_constant_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(migrate.MIGRATIONS)).get_current_head() == migrate.HEAD_REVISION

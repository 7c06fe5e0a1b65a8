"""The loyalty tables the plugin declares are exactly those migrations 0013, 0014 and 0020 create."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from plugins.loyalty_pos.store.tables import metadata


def _loyalty(name: str | None, kind: str, parent: object) -> bool:
    return kind != "table" or (name or "").startswith("loyalty_")


def test_the_plugin_declares_the_tables_its_migration_creates(hub_engine: sa.Engine) -> None:
    with hub_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False, "include_name": _loyalty})
        diff = compare_metadata(context, metadata)
    assert diff == []
    assert {t.name for t in metadata.sorted_tables} <= set(sa.inspect(hub_engine).get_table_names())

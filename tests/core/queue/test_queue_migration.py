"""Migration 0002 creates exactly the queue tables the code defines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.core.store import migrate
from hub.core.store.schema import metadata

QUEUE_TABLES = {"queue_messages", "queue_state", "apscheduler_jobs"}


def test_migrated_queue_tables_match_the_code(database_url):
    from hub.core.store.db import create_engine

    engine = create_engine(database_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
    engine.dispose()

    def table_of(diff) -> str | None:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item[1:]:
            name = getattr(part, "name", None) if not hasattr(part, "table") else part.table.name
            if name:
                return name
        return None

    assert [d for d in diffs if table_of(d) in QUEUE_TABLES] == []

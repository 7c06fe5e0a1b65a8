"""Plugin state: small named values a plugin keeps between runs, such as a polling cursor.

A value is read and written through the caller's connection, so a plugin advances its
cursor in the same transaction as the documents it ingested from that page: a crash
then either keeps both or neither, and never skips or re-reads a page. Values are JSON
(strings, numbers, booleans, lists, objects).
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.core.errors import DocumentError
from hub.core.model.base import utcnow
from hub.core.store.tables import PluginStateRow

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]
"""A value plugin state can hold."""

state = PluginStateRow.__table__
MAX_NAME = 120


def read(conn: sa.Connection, plugin: str, name: str) -> JsonValue:
    """The value ``plugin`` keeps under ``name``, or None when it keeps none."""
    return conn.execute(sa.select(state.c.value).where(state.c.plugin == plugin, state.c.name == name)).scalar()


def read_all(conn: sa.Connection, plugin: str) -> dict[str, JsonValue]:
    """Every value ``plugin`` keeps, by name."""
    rows = conn.execute(sa.select(state.c.name, state.c.value).where(state.c.plugin == plugin).order_by(state.c.name))
    return {row.name: row.value for row in rows}


def write(conn: sa.Connection, plugin: str, values: Mapping[str, JsonValue]) -> None:
    """Keep ``values`` (name -> value) for ``plugin``, replacing what it kept under those names.

    A value of None removes the name. Raises DocumentError for a name that is empty or
    longer than ``MAX_NAME`` characters.
    """
    for name in values:
        if not name or len(name) > MAX_NAME:
            raise DocumentError(f"state of plugin {plugin}", name or "(empty name)",
                                f"a state name has 1 to {MAX_NAME} characters")
    gone = [name for name, value in values.items() if value is None]
    if gone:
        conn.execute(state.delete().where(state.c.plugin == plugin, state.c.name.in_(gone)))
    kept = [{"plugin": plugin, "name": name, "value": value, "updated_at": utcnow()}
            for name, value in values.items() if value is not None]
    if kept:
        insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(state)
        conn.execute(insert.on_conflict_do_update(
            index_elements=[state.c.plugin, state.c.name],
            set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at}), kept)

"""Bulk inserts straight through the database driver's ``executemany``.

An upsert batch writes thousands of rows in a handful of statements. SQLAlchemy's
``conn.execute(table.insert(), rows)`` spends more time preparing each row's
parameters than SQLite spends storing it, so on SQLite the rows go to the driver
directly: the statement is compiled once per (table, columns), and each value passes
through the very bind processor of its column type that SQLAlchemy would apply (JSON
through the engine's serializer, timestamps through ``UTCDateTime``), so what is
stored is byte for byte the same. Other databases take SQLAlchemy's own path, whose
PostgreSQL driver batches well already.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

Processor = Callable[[Any], Any]


@lru_cache(maxsize=64)
def _prepared(dialect: sa.Dialect, table: sa.Table,
              columns: tuple[str, ...]) -> tuple[str, tuple[tuple[str, Processor | None], ...]]:
    """The positional INSERT for ``columns`` of ``table``, and its parameters in order,
    each with its column's bind processor."""
    compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
    order = compiled.positiontup or []
    if sorted(order) != sorted(columns):
        raise ValueError(f"cannot prepare a bulk insert into {table.name} for columns {columns}")
    processors = tuple(table.c[name].type._cached_bind_processor(dialect) for name in order)
    return compiled.string, tuple(zip(order, processors))


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the caller's transaction."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), list(rows))
        return
    sql, bound = _prepared(conn.dialect, table, tuple(rows[0]))
    # Column by column: one tight loop per processor instead of a generator per row.
    columns = []
    for name, process in bound:
        values = [row[name] for row in rows]
        columns.append(values if process is None else list(map(process, values)))
    params = list(zip(*columns))
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, params)
    except dbapi.Error as exc:
        # The same exception SQLAlchemy raises, so callers' handlers (a unique key
        # refusing a concurrent insert: IntegrityError) work unchanged.
        raise sa.exc.DBAPIError.instance(sql, params, exc, dbapi.Error, dialect=conn.dialect, ismulti=True) from exc
    finally:
        cursor.close()

"""Bulk statements: inserts straight through the driver's ``executemany``, and
lookups of many values bound as one parameter.

An upsert batch writes thousands of rows in a handful of statements. SQLAlchemy's
``conn.execute(table.insert(), rows)`` spends more time preparing each row's
parameters than SQLite spends storing it, so on SQLite the rows go to the driver
directly: the statement is compiled once per (table, columns), and each value passes
through the very bind processor of its column type that SQLAlchemy would apply (JSON
through the engine's serializer, timestamps through ``UTCDateTime``), so what is
stored is byte for byte the same. Other databases take SQLAlchemy's own path, whose
PostgreSQL driver batches well already.

Lookups of a batch's thousand ids use ``one_of`` instead of ``column.in_(ids)``: an IN
list is rendered anew, one placeholder per value, on every execution, which cost more
than the query. ``one_of`` binds the whole list as one value (a JSON array on SQLite,
an array on PostgreSQL), so the statement is built once and cached like any other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import lru_cache
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

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
    return compiled.string, tuple(zip(order, processors, strict=True))


def one_of(backend: str, column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
    """``column`` equals one of the values of the list bound as parameter ``name``.

    ``backend`` is the dialect's name: the list is bound differently on each. SQLite
    unpacks a JSON array with ``json_each``, PostgreSQL compares with ``= ANY(array)``.
    """
    if backend == "sqlite":
        values = sa.func.json_each(sa.bindparam(name, type_=sa.JSON())).table_valued("value")
        return column.in_(sa.select(values.c.value))
    return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(column.type)))


def _processed(values: Sequence[Any], process: Processor) -> list[Any]:
    # A batch stamps all its rows with one timestamp object: convert it once, not per row.
    first = values[0]
    if all(value is first for value in values):
        return [process(first)] * len(values)
    return list(map(process, values))


def bind_once(conn: sa.Connection, column: sa.Column[Any], values: Sequence[Any]) -> list[Any]:
    """``values`` as ``column``'s type binds them, each distinct object bound once.

    For the same values going into several inserts (a new document's data into its
    current row and its first version row): hand slices of the result to
    ``insert_columns`` with the column named in ``bound``, and the JSON is made once.
    Only SQLite's path takes bound values; on other databases they come back as they
    are, for SQLAlchemy to bind.
    """
    process = column.type._cached_bind_processor(conn.dialect) if conn.dialect.name == "sqlite" else None
    if process is None:
        return list(values)
    made: dict[int, Any] = {}  # by id(): every value stays alive in ``values`` meanwhile
    bound = []
    for value in values:
        key = id(value)
        if key not in made:
            made[key] = process(value)
        bound.append(made[key])
    return bound


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the caller's transaction."""
    if rows:
        insert_columns(conn, table, {name: [row[name] for row in rows] for name in rows[0]})


def insert_columns(conn: sa.Connection, table: sa.Table, columns: Mapping[str, Sequence[Any]],
                   bound: Collection[str] = ()) -> None:
    """Insert rows given column by column (name -> one value per row, all equally long).

    Callers that build thousands of rows hand over their values this way, so no dict
    per row is built only to be taken apart again. The columns named in ``bound`` hold
    what ``bind_once`` returned.
    """
    count = len(next(iter(columns.values()), ()))
    if not count:
        return
    if conn.dialect.name != "sqlite":
        names = list(columns)
        rows = zip(*columns.values(), strict=True)
        conn.execute(table.insert(), [dict(zip(names, values, strict=True)) for values in rows])
        return
    sql, binding = _prepared(conn.dialect, table, tuple(columns))
    ordered = [
        columns[name] if process is None or name in bound else _processed(columns[name], process)
        for name, process in binding
    ]
    dbapi = conn.dialect.loaded_dbapi
    cursor = cast(sqlite3.Connection, conn.connection.dbapi_connection).cursor()  # SQLite's driver, checked above
    try:
        # Row tuples are made one at a time as the driver takes them.
        cursor.executemany(sql, zip(*ordered, strict=True))
    except dbapi.Error as exc:
        # The same exception SQLAlchemy raises, so callers' handlers (a unique key
        # refusing a concurrent insert: IntegrityError) work unchanged.
        raise sa.exc.DBAPIError.instance(
            sql, list(zip(*ordered, strict=True)), exc, dbapi.Error, dialect=conn.dialect, ismulti=True
        ) from exc
    finally:
        cursor.close()

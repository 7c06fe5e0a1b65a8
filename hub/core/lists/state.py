"""Reading and writing the import state of a list (``list_imports``, ``list_import_rows``).

A list name stands for one import of one file: a second run with the same name and
the same file carries on where the first stopped (or, if it finished, does nothing);
the same name with another file is refused, so a list's rows never mix two files.
Each batch's rows and the list's new cursor and counts are written by ``record_batch``
inside the batch's transaction, and only if the cursor is still where the batch began:
two runs of one list at the same time cannot both write a batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.core.errors import HubError, NotFoundError
from hub.core.lists.errors import ListFileError
from hub.core.lists.tables import ListImportRow, list_rows, lists
from hub.core.model.base import utcnow
from hub.core.store.bulk import insert_columns, one_of

RUNNING, COMPLETED = "running", "completed"
CREATED, LINKED, REVIEW, FAILED = "created", "linked", "review", "failed"
OUTCOMES = (CREATED, LINKED, REVIEW, FAILED)


class ConcurrentImportError(HubError):
    """Another run of the same list wrote a batch meanwhile; this run stops."""


@dataclass(frozen=True)
class FileIdentity:
    """A list file as a rerun must find it again: path, size and SHA-256 of its bytes."""

    file: str
    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileIdentity:
        """Read the whole file once to hash it (a few seconds for a gigabyte)."""
        digest = hashlib.sha256()
        with path.open("rb") as binary:
            for block in iter(lambda: binary.read(1 << 20), b""):
                digest.update(block)
        return cls(str(path.resolve()), path.stat().st_size, digest.hexdigest())


@dataclass
class RowRecord:
    """One row's outcome, as ``record_batch`` writes it."""

    row: int
    key: str | None
    outcome: str
    hub_id: str | None = None
    matched_hub_id: str | None = None
    score: float | None = None
    problems: list[list[str | None]] | None = None
    data: dict[str, Any] | None = None


@dataclass
class Counts:
    """How many rows of a list came out which way."""

    created: int = 0
    linked: int = 0
    review: int = 0
    failed: int = 0

    @property
    def rows(self) -> int:
        """Rows done."""
        return self.created + self.linked + self.review + self.failed

    def add(self, outcome: str, n: int = 1) -> None:
        """Count ``n`` more rows of ``outcome``."""
        setattr(self, outcome, getattr(self, outcome) + n)


def begin(conn: sa.Connection, name: str, format_name: str, system: str, identity: FileIdentity) -> ListImportRow:
    """The list's state: new, or the one a previous run of the same file left."""
    row = conn.execute(sa.select(lists).where(lists.c.name == name)).first()
    if row is not None:
        state = ListImportRow.model_validate(row._mapping)
        if state.file_sha256 != identity.sha256:
            raise ListFileError(identity.file, f"list {name!r} was imported from {state.file} with other content"
                                               f" ({state.cursor:,} rows done); give this file another list name")
        if state.format != format_name:
            raise ListFileError(identity.file, f"list {name!r} was imported with format {state.format}, not"
                                               f" {format_name}; give it the same format or another list name")
        return state
    now = utcnow()
    state = ListImportRow(name=name, format=format_name, system=system, file=identity.file,
                          file_size=identity.size, file_sha256=identity.sha256, status=RUNNING,
                          started_at=now, updated_at=now)
    conn.execute(lists.insert().values(**state.model_dump()))
    return state


def get(conn: sa.Connection, name: str) -> ListImportRow:
    """The state of list ``name``; ``NotFoundError`` if no import has that name."""
    row = conn.execute(sa.select(lists).where(lists.c.name == name)).first()
    if row is None:
        known = conn.execute(sa.select(lists.c.name).order_by(lists.c.started_at.desc()).limit(10)).scalars().all()
        raise NotFoundError(f"no list {name!r} (lists: {', '.join(known) or 'none yet'})")
    return ListImportRow.model_validate(row._mapping)


def earlier_keys(conn: sa.Connection, name: str, keys: Sequence[str]) -> dict[str, int]:
    """Of ``keys``, those earlier rows of the list already gave: key -> first row."""
    if not keys:
        return {}
    query = (sa.select(list_rows.c.key, sa.func.min(list_rows.c.row))
             .where(list_rows.c.list_name == name, one_of(conn.dialect.name, list_rows.c.key, "b_keys"))
             .group_by(list_rows.c.key))
    return {key: row for key, row in conn.execute(query, {"b_keys": list(keys)})}


def record_batch(conn: sa.Connection, state: ListImportRow, rows: Sequence[RowRecord], taken: int,
                 last_row: int, counts: Counts, seconds: float) -> None:
    """Write a batch's rows and move the cursor ``taken`` rows on, with the counts."""
    if rows:
        columns: dict[str, list[Any]] = {"list_name": [state.name] * len(rows)}
        for name in ("row", "key", "outcome", "hub_id", "matched_hub_id", "score", "problems", "data"):
            columns[name] = [getattr(r, name) for r in rows]
        insert_columns(conn, list_rows, columns)
    done = conn.execute(
        lists.update().where(lists.c.name == state.name, lists.c.cursor == state.cursor)
        .values(cursor=state.cursor + taken, last_row=last_row, created=lists.c.created + counts.created,
                linked=lists.c.linked + counts.linked, review=lists.c.review + counts.review,
                failed=lists.c.failed + counts.failed, seconds=lists.c.seconds + seconds, updated_at=utcnow())
    ).rowcount
    if done != 1:
        raise ConcurrentImportError(f"list {state.name!r}: another run imported rows meanwhile; this one stops"
                                    " (run `hub import show` to see where the list stands)")


def finish(conn: sa.Connection, name: str, seconds: float) -> None:
    """Mark list ``name`` completed: every row of its file is done."""
    now = utcnow()
    conn.execute(lists.update().where(lists.c.name == name)
                 .values(status=COMPLETED, finished_at=now, updated_at=now, seconds=lists.c.seconds + seconds))


def rows_of(conn: sa.Connection, name: str, outcome: str | None = None,
            with_problems: bool = False) -> Iterator[sa.Row[Any]]:
    """The list's rows in file order (of one ``outcome``, or those with problems),
    fetched a few thousand at a time."""
    query = sa.select(list_rows).where(list_rows.c.list_name == name).order_by(list_rows.c.row)
    if outcome is not None:
        query = query.where(list_rows.c.outcome == outcome)
    if with_problems:
        query = query.where(list_rows.c.problems.is_not(None))
    with conn.execute(query.execution_options(yield_per=2000)) as result:
        yield from result


def get_row(conn: sa.Connection, name: str, row: int) -> sa.Row[Any] | None:
    """Row ``row`` of list ``name``, if the list has it."""
    return conn.execute(sa.select(list_rows).where(list_rows.c.list_name == name, list_rows.c.row == row)).first()

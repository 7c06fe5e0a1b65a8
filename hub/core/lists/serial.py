"""One list batch at a time decides who is new: two imports never both create one person.

A batch finds its rows' matches among the partners the store holds, then creates the
rows that matched no one. Two imports of lists with the same person, running at once,
would each find no partner for that person and each create one, unless the second
batch reads only after the first committed.

On SQLite that holds already: a batch's transaction begins IMMEDIATE (``store.db``), so
batches that write run one after another, and each reads what the one before wrote.
On PostgreSQL, transactions run side by side; ``claim_matching`` takes a transaction
advisory lock, per hub schema, before the batch reads anything. A concurrent batch of
another list waits for the commit (or rollback) of this one, then sees its partners: a
list import's batches alternate with those of the other. The lock covers list imports
only; other writers of partners keep their own duplicate check (``masterdata``).
"""

from __future__ import annotations

import sqlalchemy as sa

LOCK_NAME = "crm-hub:list-matching:"
"""Hashed, with the database and schema, into the advisory lock's key."""


def claim_matching(conn: sa.Connection) -> None:
    """Wait until no other list batch of this hub holds the claim, and hold it until this
    transaction ends; must run before the batch reads the key map or candidates.

    Read-committed PostgreSQL takes each statement's snapshot when the statement starts:
    every read after this one sees what the previous holder committed.
    """
    if conn.dialect.name != "postgresql":
        return
    key = sa.func.hashtextextended(sa.literal(LOCK_NAME) + sa.func.current_database() + ":"
                                   + sa.func.current_schema(), 0)
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))

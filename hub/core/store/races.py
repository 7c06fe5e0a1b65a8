"""Which database errors mean "another transaction got in the way: run this one again".

A transaction that posts documents, records deliveries or creates API documents can
lose to a concurrent one in three ways, and in each the database rolled it back whole,
so running it again from the start is safe and finds what the other one wrote:

- a unique key refused an insert the other made first (``IntegrityError``);
- PostgreSQL broke a deadlock by aborting this one (SQLSTATE ``40P01``);
- a serializable or repeatable-read transaction could not be ordered (``40001``).

The hub takes its row locks in one order where it can (key map, then queue rows, each
sorted), but a posting and a worker touch several tables in steps decided by plugins,
so a deadlock stays possible and is answered by running the loser again.
"""

from __future__ import annotations

import sqlalchemy as sa

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
"""deadlock_detected and serialization_failure: the transaction was aborted, not wrong."""


def aborted_for_another(exc: sa.exc.DBAPIError) -> bool:
    """Whether the database aborted this transaction to let a concurrent one finish
    (a deadlock or a serialization failure)."""
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def lost_race(exc: sa.exc.DBAPIError) -> bool:
    """Whether a concurrent transaction won a race this one must run again to see:
    a unique key taken meanwhile, a deadlock or a serialization failure."""
    return isinstance(exc, sa.exc.IntegrityError) or aborted_for_another(exc)

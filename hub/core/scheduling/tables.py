"""Tables of leader election and of job runs in flight (migration 0011).

``scheduler_leader`` has one row per elected role (``scheduler``): on SQLite it *is*
the lock (a lease the holder renews); on PostgreSQL the lock is an advisory lock and
the row only tells who holds it. ``scheduler_job_runs`` has one row per job: who runs
it now, since when and the holder's last heartbeat, or when its last run finished.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

from hub.core.store.types import UTCDateTime

leaders = sa.Table(
    "scheduler_leader",
    SQLModel.metadata,  # the one metadata every table module defines its tables on
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("term", sa.BigInteger, nullable=False),
    sa.Column("acquired_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)

job_runs = sa.Table(
    "scheduler_job_runs",
    SQLModel.metadata,
    sa.Column("job_id", sa.String(191), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("heartbeat_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
)

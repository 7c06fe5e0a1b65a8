"""Leader election and the ledger of scheduled job runs in flight.

Revision ID: 0011
Revises: 0010

Several ``hub run`` processes share one database and one APScheduler job store; only
one of them may run the scheduler. ``scheduler_leader`` is the lease row of the elected
process on SQLite (and, on PostgreSQL, where an advisory lock decides, the record of
who holds it). ``scheduler_job_runs`` records each job's run in flight with its
holder's heartbeat: no second run of a job starts while one is alive, and a run whose
holder died is run again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The column types as this revision creates them; never import application code here.
UTCDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scheduler_leader",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("term", sa.BigInteger, nullable=False),
        sa.Column("acquired_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "scheduler_job_runs",
        sa.Column("job_id", sa.String(191), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("heartbeat_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
    )

"""One active scheduler per database: leader election and the ledger of job runs.

``hub.core.scheduler`` runs APScheduler; this package decides which process may run it
(``leader``: a PostgreSQL advisory lock, a lease row on SQLite), keeps a ledger of the
runs in flight so two processes never run one job at once and a run cut short by a
dead leader is run again (``runs``), and ties both to the scheduler (``service``).
"""

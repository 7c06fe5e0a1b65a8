"""Gauges read from the database when ``/metrics`` is scraped.

Queue depth, blocked queues and inbound documents waiting for an administrator are
states of the shared database, not of a process: counted in memory they would be wrong
in every process but the one that changed them. Read at scrape time, every ``hub run``
process answers the same. Each read is one grouped query over small, indexed sets: the
queues with work or trouble (``queue_state``'s partial index), the inbound payloads in
an attention status (index on ``status``) and the inbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from hub.core.queue.status import ACTIVE_QUEUE_CONDITION, queues
from hub.core.store.inbound_counts import inbound_attention, inbox

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

log = logging.getLogger("hub.metrics")

QUEUE_METRIC_STATES = ("stopped", "blocked", "running", "retrying", "ready")
"""The states of a queue with work or trouble (``hub.core.queue.status.queue_state_name``)."""


def _state_column(now: datetime) -> sa.ColumnElement[str]:
    """``queue_state_name`` in SQL, for queues with work or trouble."""
    c = queues.c
    return sa.case(
        (c.stopped, "stopped"), (c.blocked, "blocked"), (c.lease_expires_at > now, "running"),
        (sa.and_(c.attempts > 0, c.due_at > now), "retrying"), else_="ready",
    )


def queue_counts(conn: sa.Connection, now: datetime) -> dict[tuple[str, str, bool], tuple[int, int]]:
    """(system, state, blocked) -> (queues, messages waiting) over the queues with work or
    trouble, in one pass of the partial index that holds exactly those (a blocked queue
    that is also stopped counts as stopped, but still as blocked)."""
    c = queues.c
    state = _state_column(now).label("state")
    rows = conn.execute(
        sa.select(c.system, state, c.blocked, sa.func.count(),
                  sa.func.coalesce(sa.func.sum(c.last_seq - c.done_seq), 0))
        .where(sa.text(f"({ACTIVE_QUEUE_CONDITION})")).group_by(c.system, state, c.blocked)
    )
    return {(row[0], row[1], bool(row[2])): (int(row[3]), int(row[4])) for row in rows}


def inbox_counts(conn: sa.Connection) -> dict[str, int]:
    """system -> payloads accepted and waiting in the inbox to be posted."""
    rows = conn.execute(sa.select(inbox.c.system, sa.func.count()).select_from(inbox).group_by(inbox.c.system))
    return {row[0]: int(row[1]) for row in rows}


class DatabaseCollector:
    """A prometheus-client collector of the database's gauges (see the module docstring).

    ``systems`` are the loaded plugins: their series are reported at 0 when empty, so a
    dashboard shows a flat line rather than no data. If the database cannot be read, the
    scrape still answers, with ``hub_database_up 0``.
    """

    def __init__(self, engine: sa.Engine, systems: Iterable[str], clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.systems = tuple(systems)
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily("hub_database_up", "Whether this process could read the hub database.")
        try:
            with self.engine.connect() as conn:
                groups = queue_counts(conn, self.clock())
                attention = inbound_attention(conn)
                waiting = inbox_counts(conn)
        except sa.exc.SQLAlchemyError as exc:
            log.warning("metrics: database not readable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        counts: dict[tuple[str, str], tuple[int, int]] = {}
        blocked: dict[str, int] = {}
        for (system, state, is_blocked), (queues_n, messages_n) in groups.items():
            before = counts.get((system, state), (0, 0))
            counts[(system, state)] = (before[0] + queues_n, before[1] + messages_n)
            if is_blocked:
                blocked[system] = blocked.get(system, 0) + queues_n
        systems = sorted({*self.systems, *(system for system, _ in counts)})
        depth = GaugeMetricFamily("hub_queue_messages", "Messages waiting in queues, by target system and queue"
                                  " state.", labels=["system", "state"])
        count = GaugeMetricFamily("hub_queues", "Queues with work or trouble, by target system and state.",
                                  labels=["system", "state"])
        for system in systems:
            for state in QUEUE_METRIC_STATES:
                queues_n, messages_n = counts.get((system, state), (0, 0))
                depth.add_metric([system, state], messages_n)
                count.add_metric([system, state], queues_n)
        yield depth
        yield count
        stuck = GaugeMetricFamily("hub_queues_blocked", "Queues blocked by a failed message, by target system.",
                                  labels=["system"])
        for system in systems:
            stuck.add_metric([system], blocked.get(system, 0))
        yield stuck
        held = GaugeMetricFamily("hub_inbound_attention", "Inbound documents not posted that wait for an"
                                 " administrator or for an object (failed, conflict, waiting), by plugin.",
                                 labels=["plugin", "state"])
        for plugin in sorted({*self.systems, *attention}):
            for state in ("failed", "conflict", "waiting"):
                held.add_metric([plugin, state], attention.get(plugin, {}).get(state, 0))
        yield held
        inboxed = GaugeMetricFamily("hub_inbox_waiting", "Payloads accepted by a route, waiting to be posted.",
                                    labels=["plugin"])
        for plugin in sorted({*self.systems, *waiting}):
            inboxed.add_metric([plugin], waiting.get(plugin, 0))
        yield inboxed


class LeaderCollector:
    """``hub_scheduler_leader{process}``: 1 while this process runs the scheduler, else 0."""

    def __init__(self, process: str, leads: Callable[[], bool]) -> None:
        self.process = process
        self.leads = leads

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        gauge = GaugeMetricFamily("hub_scheduler_leader", "1 if this process is the elected scheduler leader.",
                                  labels=["process"])
        gauge.add_metric([self.process], 1 if self.leads() else 0)
        yield gauge

"""Counters and histograms of what each hub process does (Prometheus, ``prometheus-client``).

Why prometheus-client: it is the reference client, its text format is what every
Prometheus and Grafana reads, and its multi-process mode solves the one hard part here:
``hub run`` delivers in worker *processes* while one process serves ``/metrics``.

What is recorded where it happens (deliveries, retries, inbound documents, HTTP
requests, job runs) lives here. What is a state of the database (queue depth, blocked
queues) is not counted in any process at all: ``hub.core.observe.gauges`` reads it at
scrape time, so every process answers the same.

Multi-process: ``use_process_dir`` (called by ``hub run`` before any metric exists)
points ``PROMETHEUS_MULTIPROC_DIR`` at a folder the worker processes inherit; each
process then writes its samples to its own memory-mapped file there, and a scrape
adds them up. prometheus-client picks its storage when it is first imported, so this
module imports it only inside functions.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Histogram

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
ATTEMPT_BUCKETS = (1, 2, 3, 5, 8, 13, 21, 50)
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0)


@dataclass(frozen=True)
class Instruments:
    """The metrics the hub records as things happen, by what they count."""

    deliveries: Counter
    delivery_seconds: Histogram
    delivery_attempts: Histogram
    latency: Histogram
    retries: Counter
    inbound: Counter
    requests: Histogram
    job_runs: Counter

    def all(self) -> tuple[Counter | Histogram, ...]:
        """Every instrument, to register them on a scrape's registry."""
        return (self.deliveries, self.delivery_seconds, self.delivery_attempts, self.latency, self.retries,
                self.inbound, self.requests, self.job_runs)


@functools.cache
def instruments() -> Instruments:
    """This process's instruments, made on first use (after ``use_process_dir``)."""
    from prometheus_client import Counter, Histogram

    return Instruments(
        deliveries=Counter("hub_deliveries", "Delivery attempts by outcome (delivered, confirmed, retrying,"
                           " blocked).", ["system", "outcome"], registry=None),
        delivery_seconds=Histogram("hub_delivery_duration_seconds", "How long one delivery attempt took, from"
                                   " handing the message to the transport to its answer.", ["system", "outcome"],
                                   buckets=DURATION_BUCKETS, registry=None),
        delivery_attempts=Histogram("hub_delivery_attempts", "Attempts a message needed until it was delivered.",
                                    ["system"], buckets=ATTEMPT_BUCKETS, registry=None),
        latency=Histogram("hub_replication_latency_seconds", "From a change entering its queue to its delivery"
                          " (retries and waiting behind earlier messages included).", ["system"],
                          buckets=LATENCY_BUCKETS, registry=None),
        retries=Counter("hub_delivery_retries", "Failed attempts that will be retried.", ["system"], registry=None),
        inbound=Counter("hub_inbound_documents", "Inbound documents by what became of them (posted, unchanged,"
                        " stale, duplicate, failed, conflict, waiting).", ["plugin", "state"], registry=None),
        requests=Histogram("hub_http_request_duration_seconds", "HTTP requests (webhooks, IDoc port, APIs) from"
                           " arrival to the end of the answer.", ["plugin", "route", "method", "status"],
                           buckets=DURATION_BUCKETS, registry=None),
        job_runs=Counter("hub_scheduled_job_runs", "Runs of scheduled jobs by outcome (ok, failed).",
                         ["job", "outcome"], registry=None),
    )


@dataclass(frozen=True)
class _DeliverySeries:
    """The series one delivery outcome of one system writes to, looked up once: finding a
    labelled series costs more than counting into it, on every message a worker delivers."""

    deliveries: Counter
    seconds: Histogram
    retries: Counter | None
    attempts: Histogram | None
    latency: Histogram | None


@functools.cache
def _delivery_series(system: str, outcome: str) -> _DeliverySeries:
    m = instruments()
    done = outcome not in ("retrying", "blocked")
    return _DeliverySeries(
        deliveries=m.deliveries.labels(system, outcome), seconds=m.delivery_seconds.labels(system, outcome),
        retries=m.retries.labels(system) if outcome == "retrying" else None,
        attempts=m.delivery_attempts.labels(system) if done else None,
        latency=m.latency.labels(system) if done else None,
    )


def record_delivery(system: str, outcome: str, seconds: float, attempt: int, since_enqueued: float) -> None:
    """One delivery attempt to ``system`` that ended in ``outcome`` (a message status),
    ``since_enqueued`` seconds after its message was enqueued."""
    series = _delivery_series(system, outcome)
    series.deliveries.inc()
    series.seconds.observe(seconds)
    if series.retries is not None:
        series.retries.inc()
    if series.attempts is not None and series.latency is not None:
        series.attempts.observe(attempt)
        series.latency.observe(max(since_enqueued, 0.0))


def record_inbound(plugin: str, states: dict[str, int]) -> None:
    """Inbound documents of ``plugin`` just committed, counted per outcome status."""
    counter = instruments().inbound
    for state, count in states.items():
        counter.labels(plugin, state).inc(count)


def record_request(plugin: str, route: str, method: str, status: int, seconds: float) -> None:
    """One HTTP request to ``route`` (the declared path, not the one sent) answered with ``status``."""
    instruments().requests.labels(plugin, route, method, str(status)).observe(seconds)


def job_run_finished(job: str, outcome: str) -> None:
    """One run of a scheduled job ended with ``outcome`` (ok, failed)."""
    instruments().job_runs.labels(job, outcome).inc()


class MetricsMadeTooEarly(RuntimeError):
    """The hub's metrics were made before the multi-process folder was chosen (a hub bug)."""


def use_process_dir() -> Path | None:
    """Let this process and the worker processes it starts share their samples.

    Uses ``PROMETHEUS_MULTIPROC_DIR`` when the administrator set it (its old sample files
    are removed: they belong to processes that are gone), else a new temporary folder.
    Returns the folder this call created (to remove with ``remove_process_dir``), None
    for the administrator's own. Must run before the first metric is recorded.
    """
    if instruments.cache_info().currsize:
        raise MetricsMadeTooEarly("metrics were recorded before hub run chose its multi-process folder;"
                                  " the worker processes' samples would be missing from /metrics")
    given = os.environ.get(MULTIPROC_ENV)
    created: Path | None = None
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
    else:
        created = Path(tempfile.mkdtemp(prefix="hub-metrics-"))
        os.environ[MULTIPROC_ENV] = str(created)
    values = sys.modules.get("prometheus_client.values")
    if values is not None:
        # A plugin imported prometheus-client before: it chose in-memory storage then. The
        # choice is read when a metric is made, and the hub's are made after this.
        values.ValueClass = values.get_value_class()  # type: ignore[attr-defined]  # a module, typed as one
    return created


def remove_process_dir(folder: Path | None) -> None:
    """Remove a folder ``use_process_dir`` created, and forget it for the processes started later."""
    if folder is None:
        return
    if os.environ.get(MULTIPROC_ENV) == str(folder):
        del os.environ[MULTIPROC_ENV]
    shutil.rmtree(folder, ignore_errors=True)


def add_process_samples(registry: CollectorRegistry) -> None:
    """Put this process's samples, and its worker processes' in multi-process mode, on ``registry``."""
    folder = os.environ.get(MULTIPROC_ENV)
    if folder and Path(folder).is_dir():
        from prometheus_client.multiprocess import MultiProcessCollector

        MultiProcessCollector(registry, path=folder)
        return
    for instrument in instruments().all():
        registry.register(instrument)

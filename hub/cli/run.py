"""``hub run`` (workers + scheduler + HTTP server until SIGTERM) and ``hub worker``."""

from __future__ import annotations

import logging
import threading

import click

from hub.cli.context import pass_runtime
from hub.core.observe.logs import configure_logging
from hub.core.observe.metrics import remove_process_dir, use_process_dir
from hub.core.queue.runner import install_drain_handlers, run_processes, run_threads, start_inbox_poster
from hub.core.queue.worker import Worker
from hub.core.runtime import HubRuntime
from hub.core.scheduling.service import SchedulerService
from hub.http import serve
from hub.http.ops import SchedulerRole

log = logging.getLogger("hub.run")


def run_hub(runtime: HubRuntime, workers: int = 1, threads: bool = False, http: bool = True,
            scheduler: bool = True) -> None:
    """Run workers, the inbox poster, the scheduler and the HTTP server until
    SIGTERM/SIGINT, then drain: workers finish their batch in flight and take nothing new.

    The scheduler runs only while this process is the elected leader of the database
    (``hub.core.scheduling``); otherwise it stands by. Worker processes record their
    metrics in a folder shared with this process, which serves them on ``/metrics``.
    """
    runtime.require_schema()
    runtime.mappings  # noqa: B018 -- compile every mapping table now: a broken one stops the hub here
    stop = threading.Event()
    install_drain_handlers(stop.set)
    metrics_dir = None if threads else use_process_dir()
    election = SchedulerService(runtime).start() if scheduler else None
    role = SchedulerRole(election.holder, lambda: election.leads) if election else None
    poster = start_inbox_poster(runtime, stop) if threads else None
    server = serve(runtime, role=role) if http else None
    try:
        if threads:
            run_threads(runtime, workers, stop)
        else:
            run_processes(runtime.settings, workers, stop, post_inbox=True)
    finally:
        if server is not None:
            server.stop()
        if election is not None:
            election.stop()
        stop.set()
        if poster is not None:
            poster.join()
        runtime.close()  # stops the ingest pools the file ports started
        remove_process_dir(metrics_dir)
    log.info("hub stopped")


@click.command()
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (or threads with --threads).")
@click.option("--threads", is_flag=True, help="Run workers as threads of this process.")
@click.option("--no-scheduler", is_flag=True, help="Do not run scheduled jobs in this process.")
@click.option("--no-http", is_flag=True, help="Do not start the HTTP server.")
@pass_runtime
def run(runtime: HubRuntime, workers: int, threads: bool, no_scheduler: bool, no_http: bool) -> None:
    """Run the hub until SIGTERM: workers, scheduler and HTTP server."""
    configure_logging(runtime.settings.log_format)
    run_hub(runtime, workers=workers, threads=threads, http=not no_http, scheduler=not no_scheduler)


@click.command()
@click.option("--name", default=None, help="Name shown in leases (default: random).")
@pass_runtime
def worker(runtime: HubRuntime, name: str | None) -> None:
    """Run one delivery worker in this process until SIGTERM (drains its batch)."""
    configure_logging(runtime.settings.log_format)
    runtime.require_schema()
    runtime.mappings  # noqa: B018 -- compile every mapping table now: a broken one stops the hub here
    stop = threading.Event()
    install_drain_handlers(stop.set)
    stats = Worker(runtime, name=name, stop=stop).run()
    click.echo(f"worker stopped: delivered {stats.delivered}, retries {stats.retries}, "
               f"blocked {stats.blocked}")


commands = [run, worker]

"""Running N workers as threads or processes (with the inbox poster in a process of
its own), and draining them on SIGTERM.

Processes are started with the ``spawn`` method: each builds its own runtime and
database engine from the settings (a forked copy of the parent's connections would be
shared by two processes). On SIGTERM or SIGINT every worker finishes the batch in
flight, records it, and takes nothing new.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from importlib import import_module
from types import FrameType
from typing import Any

from hub.core.inbound.inbox import InboxPoster
from hub.core.observe.logs import configure_logging
from hub.core.queue.worker import Worker, WorkerStats
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings

log = logging.getLogger("hub.queue")

DRAIN_SIGNALS = (signal.SIGTERM, signal.SIGINT)
ORPHAN_CHECK_SECONDS = 1.0
"""How often a worker process checks that the ``hub run`` that started it still lives."""
STARTUP_TIMEOUT = 60.0
"""Seconds a stopping runner waits for a worker process to finish starting up."""


def install_drain_handlers(on_signal: Callable[[], None]) -> None:
    """Call ``on_signal`` on SIGTERM/SIGINT (main thread only, as Python requires)."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: draining", signal.Signals(signum).name)
        on_signal()

    for signum in DRAIN_SIGNALS:
        signal.signal(signum, handler)


def stop_when_orphaned(parent: int, stop: threading.Event, every: float = ORPHAN_CHECK_SECONDS) -> threading.Thread:
    """Set ``stop`` once ``parent`` is no longer this process's parent.

    A ``hub run`` killed with SIGKILL cannot pass its drain on; without this its worker
    processes would go on, unsupervised, beside the workers of the ``hub run`` that a
    supervisor starts in its place. On Linux an orphan is adopted by another process, so
    the parent pid changes.
    """

    def watch() -> None:
        while not stop.wait(every):
            if os.getppid() != parent:
                log.warning("the hub run process %d that started this worker is gone: draining", parent)
                stop.set()

    thread = threading.Thread(target=watch, name="hub-parent-watch", daemon=True)
    thread.start()
    return thread


def _start_process(settings: HubSettings, ready: Any, parent: int | None) -> threading.Event:
    """What every process ``run_processes`` starts does first: logging, the drain handlers,
    the watch on its parent; then it says it is ready. Returns the event that stops it.

    ``parent`` is the pid of the process that started it, as that one gave it: asked
    here, it would be the adopter's already when the parent died while this process was
    still starting (under load that takes seconds), and it would never notice it was
    orphaned."""
    configure_logging(settings.log_format)
    stop = threading.Event()
    install_drain_handlers(stop.set)
    stop_when_orphaned(os.getppid() if parent is None else parent, stop)
    if ready is not None:
        ready.set()
    return stop


def _runtime(settings: HubSettings, plugin_modules: dict[str, str]) -> HubRuntime:
    extra: dict[str, object] = {plugin: import_module(module) for plugin, module in plugin_modules.items()}
    return HubRuntime(settings, extra_plugins=extra)


def worker_process_main(
    settings: HubSettings, plugin_modules: dict[str, str], name: str, ready: Any = None, parent: int | None = None,
) -> None:
    """Entry point of one worker process: build a runtime, work until SIGTERM, or until
    the process that started it is gone (``parent``, see ``_start_process``).

    ``ready`` (a multiprocessing Event) is set once the drain handlers are installed.
    """
    stop = _start_process(settings, ready, parent)
    runtime = _runtime(settings, plugin_modules)
    try:
        Worker(runtime, name=name, stop=stop).run()
    finally:
        stop.set()
        runtime.close()


def inbox_process_main(
    settings: HubSettings, plugin_modules: dict[str, str], ready: Any = None, parent: int | None = None,
) -> None:
    """Entry point of the inbox process of ``hub run``: post the inbox (``InboxPoster``)
    until SIGTERM, or until the process that started it is gone.

    Posting (parse, map, master data, outbox) is the hub's busiest work per webhook. In
    the HTTP server's process it took the interpreter from the routes, which must answer
    in milliseconds; in a worker's process it took turns with the deliveries, so one
    core posted and delivered while the other idled, and at 100 shop orders a second
    neither kept up. In a process of its own it runs beside both.
    """
    stop = _start_process(settings, ready, parent)
    runtime = _runtime(settings, plugin_modules)
    poster = start_inbox_poster(runtime, stop)
    try:
        stop.wait()
    finally:
        stop.set()
        poster.join()
        runtime.close()


def start_inbox_poster(runtime: HubRuntime, stop: threading.Event) -> InboxPoster:
    """The inbox poster of ``runtime``, posting until ``stop`` is set."""
    waited = timedelta(minutes=runtime.settings.waiting_minutes)
    return InboxPoster(runtime.require_schema(), runtime.shared_ingestor, stop, waited).start()


def run_threads(runtime: HubRuntime, workers: int, stop: threading.Event) -> list[WorkerStats]:
    """Run ``workers`` worker threads on ``runtime`` until ``stop`` is set; wait for them."""
    pool = [Worker(runtime, name=f"t{i}", stop=stop) for i in range(workers)]
    threads = [threading.Thread(target=w.run, name=f"hub-worker-{i}", daemon=True)
               for i, w in enumerate(pool)]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.5)
    return [w.stats for w in pool]


def run_processes(
    settings: HubSettings, workers: int, stop: threading.Event,
    plugin_modules: dict[str, str] | None = None, post_inbox: bool = False,
) -> list[int | None]:
    """Run ``workers`` worker processes until ``stop`` is set, then SIGTERM them and
    wait until each drained. A process that dies is restarted. With ``post_inbox`` one
    more process posts the inbox (``inbox_process_main``). Returns the exit codes, the
    workers' first."""
    context = multiprocessing.get_context("spawn")
    modules = dict(plugin_modules or {})
    parent = os.getpid()
    jobs: list[tuple[str, Callable[..., None], tuple[Any, ...]]] = [
        (f"hub-worker-{index}", worker_process_main, (settings, modules, f"p{index}")) for index in range(workers)]
    if post_inbox:
        jobs.append(("hub-inbox", inbox_process_main, (settings, modules)))
    ready: list[Any] = [None] * len(jobs)

    def start(index: int) -> multiprocessing.process.BaseProcess:
        name, target, args = jobs[index]
        ready[index] = context.Event()
        process = context.Process(target=target, args=(*args, ready[index], parent), name=name)
        process.start()
        return process

    processes = [start(i) for i in range(len(jobs))]
    while not stop.wait(0.5):
        for i, process in enumerate(processes):
            if not process.is_alive():
                log.error("%s process exited with %s; starting a new one", process.name, process.exitcode)
                processes[i] = start(i)
    for i, process in enumerate(processes):
        # A process still starting up would die of SIGTERM instead of draining.
        ready[i].wait(timeout=STARTUP_TIMEOUT)
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join()
    return [process.exitcode for process in processes]

"""A plugin whose scheduled jobs leave an exactly-once effect and a log of their runs,
to check under real ``hub run`` processes that a job never runs twice at once and that
a run cut short by a killed leader is run again (``bench/scheduler_chaos.py``,
``tests/cli/test_cli_run_leader.py``).

Jobs: ``jobcheck.tick`` every ``tick_seconds`` and ``jobcheck.slow`` every
``slow_seconds``, working ``work_seconds`` and ``slow_work_seconds``. A run appends ``start JOB PID TIME`` to
``log_path`` when it starts and ``end JOB PID TIME`` after its effect committed: one
transaction appending ``PID@START`` to the plugin's state ``count.JOB`` (``{"runs":
[...]}``). So every run that ended has its effect exactly once, runs must not overlap,
and a run without an end belongs to a process that was killed (after its commit, if
its effect is there).

Its transport ``sink`` takes every ``partner`` message for the system ``jobcheck``.

``install(folder)`` makes the plugin discoverable by ``hub run`` subprocesses: it writes
a ``.dist-info`` with the entry point into ``folder``; put ``folder`` on PYTHONPATH.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel, ConfigDict, Field

from hub import hookimpl
from hub.api import JobSpec, OutboundMessage, PluginContext, PluginRegistry, SettingsRegistry, TransportSpec

PLUGIN = "jobcheck"
JOBS = ("tick", "slow")


class JobCheckSettings(BaseModel):
    """``[plugins.jobcheck]``."""

    model_config = ConfigDict(extra="forbid")

    log_path: Path = Field(description="File each run appends its start and end lines to.")
    tick_seconds: float = Field(default=1.0, gt=0, description="Interval of the frequent job.")
    slow_seconds: float = Field(default=3600.0, gt=0, description="Interval of the rare job.")
    work_seconds: float = Field(default=0.3, ge=0, description="How long a run of tick works before its effect.")
    slow_work_seconds: float = Field(default=0.3, ge=0, description="How long a run of slow works before its effect.")


def _line(path: Path, text: str) -> None:
    # One write of one short line in append mode: lines of several processes never mix.
    with path.open("a", encoding="utf-8") as log:
        log.write(text + "\n")
        log.flush()
        os.fsync(log.fileno())


def _run(job: str, context: PluginContext) -> None:
    settings = context.settings_as(JobCheckSettings)
    pid = os.getpid()
    started = time.time()
    _line(settings.log_path, f"start {job} {pid} {started:.6f}")
    time.sleep(settings.slow_work_seconds if job == "slow" else settings.work_seconds)
    with context.transaction() as tx:
        kept = tx.state(f"count.{job}")
        runs = kept.get("runs") if isinstance(kept, dict) else None
        done = list(runs) if isinstance(runs, list) else []
        tx.set_state({f"count.{job}": {"runs": [*done, f"{pid}@{started:.6f}"]}})
    _line(settings.log_path, f"end {job} {pid} {time.time():.6f}")


def tick(context: PluginContext) -> None:
    """The frequent job."""
    _run("tick", context)


def slow(context: PluginContext) -> None:
    """The rare job: a run cut short must not wait for its next due time."""
    _run("slow", context)


class Sink:
    """The plugin's transport: takes every ``partner`` message (so that ``hub run``'s
    worker processes have something to deliver and count)."""

    def send(self, message: OutboundMessage) -> None:
        """Accept the message."""


@hookimpl
def hub_register_transports(registry: PluginRegistry) -> None:
    registry.add_transport(TransportSpec("sink", lambda context: Sink(), ("partner",)))


@hookimpl
def hub_register_settings(registry: SettingsRegistry) -> None:
    registry.set_settings(JobCheckSettings)


@hookimpl
def hub_register_jobs(registry: PluginRegistry) -> None:
    settings = registry.settings_as(JobCheckSettings)
    registry.add_job(JobSpec("tick", tick, "interval", {"seconds": settings.tick_seconds}, "Count, once per run."))
    registry.add_job(JobSpec("slow", slow, "interval", {"seconds": settings.slow_seconds}, "Count, rarely."))


def install(folder: Path) -> Path:
    """Make this plugin an installed distribution for processes with ``folder`` on PYTHONPATH."""
    info = folder / "hub_jobcheck-0.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    info.joinpath("METADATA").write_text("Metadata-Version: 2.1\nName: hub-jobcheck\nVersion: 0.0\n", encoding="utf-8")
    info.joinpath("entry_points.txt").write_text(f"[crm_hub.plugins]\n{PLUGIN} = {__name__}\n", encoding="utf-8")
    return folder


@dataclass
class RunLog:
    """The runs ``log_path`` records: per job, (pid, start, end or None)."""

    runs: dict[str, list[tuple[int, float, float | None]]]

    @classmethod
    def read(cls, path: Path) -> RunLog:
        """Pair each start with its end (a process runs one job at a time per job id)."""
        runs: dict[str, list[tuple[int, float, float | None]]] = {job: [] for job in JOBS}
        open_runs: dict[tuple[str, int], int] = {}
        if not path.exists():
            return cls(runs)
        for line in path.read_text(encoding="utf-8").splitlines():
            kind, job, pid_text, at_text = line.split()
            pid, at = int(pid_text), float(at_text)
            if kind == "start":
                open_runs[(job, pid)] = len(runs[job])
                runs[job].append((pid, at, None))
            else:
                index = open_runs.pop((job, pid))
                runs[job][index] = (pid, runs[job][index][1], at)
        return cls(runs)

    def overlaps(self, killed_at: dict[int, float]) -> int:
        """Pairs of runs of one job that ran at the same time (a killed run lasts until its kill)."""
        found = 0
        for runs in self.runs.values():
            spans = sorted((start, end if end is not None else killed_at.get(pid, float("inf")))
                           for pid, start, end in runs)
            found += sum(1 for (_, end), (start, _) in zip(spans, spans[1:], strict=False) if start < end)
        return found

    def effects(self, committed: list[str], job: str) -> dict[str, int]:
        """Committed effects (``PID@START`` of ``count.JOB``) against the runs of ``job``:
        ``twice`` (one run's effect more than once), ``missing`` (a run ended without its
        effect), ``killed_after_commit`` (a cut run whose effect had committed: once, rightly)."""
        keys = {f"{pid}@{start:.6f}": end for pid, start, end in self.runs[job]}
        return {
            "twice": len(committed) - len(set(committed)),
            "missing": sum(1 for key, end in keys.items() if end is not None and key not in committed),
            "killed_after_commit": sum(1 for key in set(committed) if keys.get(key, 0.0) is None),
        }

    def ended(self, job: str) -> int:
        """Runs of ``job`` that finished (their effect committed)."""
        return sum(1 for _, _, end in self.runs[job] if end is not None)

    def cut(self, job: str) -> int:
        """Runs of ``job`` that never finished: their process was killed."""
        return sum(1 for _, _, end in self.runs[job] if end is None)


class HubProcess:
    """A real ``hub run`` subprocess in ``folder`` (its ``hub.toml``), with its log read in
    the background and its ``/metrics`` asked whether it leads the scheduler."""

    def __init__(self, folder: Path, auth: tuple[str, str], args: tuple[str, ...] = ("--threads",),
                 env: dict[str, str] | None = None) -> None:
        self.auth = auth
        self.lines: list[str] = []
        self._listening = threading.Event()
        self.url = ""
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "hub"), "run", *args], cwd=folder, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Read the log until its end, then close it: the stream is closed here and only here,
        since worker processes that outlive a killed hub keep the pipe open for a while."""
        assert self.process.stderr is not None
        with self.process.stderr:
            for line in self.process.stderr:
                self.lines.append(line)
                if not self.url and (found := re.search(r"listening on (http://[^\s\"]+)", line)):
                    self.url = found.group(1)
                    self._listening.set()

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    def wait_listening(self, timeout: float = 60) -> str:
        """The server's URL once it listens; raises with the log if it does not in time."""
        if not self._listening.wait(timeout):
            raise AssertionError(f"hub run did not start listening:\n{''.join(self.lines)}")
        return self.url

    def leads(self) -> bool | None:
        """What this process's ``/metrics`` says (None: it does not answer)."""
        try:
            answer = httpx.get(f"{self.url}/metrics", auth=self.auth, timeout=5)
        except httpx.HTTPError:
            return None
        if answer.status_code != 200:
            return None
        for family in text_string_to_metric_families(answer.text):
            if family.name == "hub_scheduler_leader":
                return any(sample.value == 1 for sample in family.samples)
        return None

    def kill(self) -> float:
        """SIGKILL; returns when (``time.monotonic``) it was sent."""
        self.process.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        self.process.wait()
        self._close()
        return killed

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM and wait for the drain; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self._close()
        return code

    def _close(self) -> None:
        self._reader.join(timeout=5)


def leaders(processes: list[HubProcess]) -> list[HubProcess]:
    """The processes whose ``/metrics`` say they lead now."""
    return [p for p in processes if p.process.poll() is None and p.leads()]


def wait_for_one_leader(processes: list[HubProcess], timeout: float, poll: float = 0.1) -> HubProcess:
    """The one process that leads, as soon as exactly one does; raises after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = leaders(processes)
        if len(found) == 1:
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} leaders after {timeout}s")
        time.sleep(poll)

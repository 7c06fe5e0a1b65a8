"""The IDoc file port: a folder the ERP drops IDoc files into.

A file is claimed by renaming it into ``processing/`` under a name of its own
(``<claim id>~<file name>``; a rename is atomic on one file system, so two hub
processes never take the same file), ingested, then moved to ``done/`` or, if any
IDoc of it failed or it cannot be read, to ``error/`` with a ``.error.txt`` beside it;
so does a file above ``max_payload_bytes``, without being read (``hub.core.payload``).
Files are claimed as they are taken up, one at a time (or a few ahead for an ingest
pool working on several side by side), so a crash strands only the files in hand.

A hub killed mid-file leaves its claim in ``processing/``; once the claim is older
than ``STALE_SECONDS`` the next poll takes it over (again by renaming, so only one
process wins), and inbound dedupe by sender and IDoc number makes the second pass post
only what the first did not. IDocs that failed in the first pass are still reported in
the ``.error.txt``, so a crash never turns a failed file into a done one.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path

from hub.api import HubError, IngestJob, IngestOutcome, IngestPool, PluginContext, summarise
from plugins.erp_sap.settings import ErpSapSettings

log = logging.getLogger(__name__)

STALE_SECONDS = 300.0
CLAIM_SEPARATOR = "~"


@dataclass(frozen=True)
class FileResult:
    """What happened to one file."""

    name: str
    moved_to: str
    counts: dict[str, int]
    error: str | None = None


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # taken by another process meanwhile
        return None


def _claim(source: Path, processing: Path, name: str) -> Path | None:
    """Rename ``source`` into a claim of this process; None if another process was faster."""
    target = processing / f"{time.time_ns()}-{os.getpid()}{CLAIM_SEPARATOR}{name}"
    try:
        os.rename(source, target)
        os.utime(target)  # the claim time, so a stale claim can be told apart
    except FileNotFoundError:
        return None
    return target


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    if target.exists():
        stem, dot, suffix = name.partition(".")
        target = folder / f"{stem}.{time.time_ns()}{dot}{suffix}"
    return target


class FilePort:
    """Polls the inbound folder of the erp_sap plugin."""

    def __init__(self, context: PluginContext) -> None:
        self.context = context
        self.folder = context.settings_as(ErpSapSettings).inbound_dir
        self.processing = self.folder / "processing"
        self.done = self.folder / "done"
        self.error = self.folder / "error"

    def pending(self) -> list[Path]:
        """Files waiting in the inbound folder, oldest first (temporary names skipped)."""
        if not self.folder.is_dir():
            return []
        files = [(mtime, p.name, p) for p in self.folder.iterdir()
                 if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".tmp")
                 and (mtime := _mtime(p)) is not None]
        return [p for _, _, p in sorted(files)]

    def _stale_claims(self) -> list[Path]:
        if not self.processing.is_dir():
            return []
        limit = time.time() - STALE_SECONDS
        return [p for p in self.processing.iterdir()
                if p.is_file() and CLAIM_SEPARATOR in p.name and (_mtime(p) or limit) < limit]

    def _claims(self) -> Iterator[tuple[Path, str]]:
        self.processing.mkdir(parents=True, exist_ok=True)
        for stale in self._stale_claims():
            name = stale.name.split(CLAIM_SEPARATOR, 1)[1]
            if (claim := _claim(stale, self.processing, name)) is not None:
                yield claim, name
        for path in self.pending():
            if (claim := _claim(path, self.processing, path.name)) is not None:
                yield claim, path.name

    def poll(self) -> list[FileResult]:
        """Process every waiting file (and stale claims of a crashed hub) once, in order.

        Several files go through the runtime's ingest pool (``IngestPool``),
        if it has one: parsed and mapped side by side, posted one after the other.
        """
        claims = self._claims()
        first = list(islice(claims, 2))  # one folder listing decides: one file, or the pool
        pool = self._started_pool() if len(first) > 1 else None
        if pool is None:
            return [self._process(claim, name) for claim, name in chain(first, claims)]
        jobs = (IngestJob(name, path=str(claim)) for claim, name in chain(first, claims))
        return [self._settle(Path(str(result.job.path)), result.job.source_name, result.outcomes, result.error)
                for result in pool.run(jobs)]

    def _started_pool(self) -> IngestPool | None:
        """The hub's ingest pool, started; None (files go one by one) if it has none or
        its workers cannot start."""
        pool = self.context.ingest_pool()
        return pool if pool is not None and pool.started("ingesting the waiting files one by one") else None

    def _process(self, claim: Path, name: str) -> FileResult:
        try:
            outcomes: list[IngestOutcome] = list(
                self.context.ingest(self.context.read_file(claim, name), name, "application/octet-stream"))
        except HubError as exc:
            return self._settle(claim, name, [], str(exc))
        return self._settle(claim, name, outcomes, None)

    def _settle(self, claim: Path, name: str, outcomes: list[IngestOutcome], error: str | None) -> FileResult:
        """File the claim under done/ or error/ by what became of its IDocs."""
        if error is not None:
            return self._finish(claim, name, self.error, {}, [error])
        # A redelivery's error says that its first copy failed (say, in a crashed pass).
        problems = [f"IDoc {o.document_id} ({o.message_type}): {o.status}: {o.error}"
                    for o in outcomes if o.failed or (o.status == "duplicate" and o.error)]
        return self._finish(claim, name, self.error if problems else self.done, summarise(outcomes), problems)

    def _finish(self, claim: Path, name: str, folder: Path, counts: dict[str, int],
                problems: list[str]) -> FileResult:
        """Move the claim to ``folder`` under its own name, error text first (it must not be lost)."""
        folder.mkdir(parents=True, exist_ok=True)
        target = _free_name(folder, name)
        if problems:
            target.with_name(target.name + ".error.txt").write_text("\n".join(problems) + "\n", encoding="utf-8")
        os.rename(claim, target)
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing ingested"
        if problems:
            log.warning("file %s: %s; moved to %s: %s", name, summary, target, problems[0])
        else:
            log.info("file %s: %s; moved to %s", name, summary, target)
        return FileResult(name, str(target), counts, problems[0] if problems else None)


def poll_job(context: PluginContext) -> None:
    """The scheduled job: one pass over the inbound folder (each file is logged)."""
    FilePort(context).poll()

"""The file port: a folder store systems drop POSLog (or JSON transaction) files into.

Each poll takes the waiting files oldest first. A file is claimed by renaming it into
``processing/`` under a name of its own (a rename is atomic, so two hub processes never
take the same file), ingested, then moved to ``done/``, or to ``error/`` with a
``.error.txt`` beside it naming every transaction that failed (the file's other
transactions are posted; dedupe makes sending the fixed file again post only what is
missing). A POSLog file is read from disk as it posts, a chunk of transactions at a
time (``PluginContext.ingest_stream``), so a chain's day of 100,000 receipts takes the
memory of one chunk and no size limit applies; a JSON file is one transaction, taken
whole, and goes to ``error/`` unread above ``max_payload_bytes``. A claim left by a hub
killed mid-file is taken over once it is older than ``STALE_SECONDS``; its chunks
posted before the kill come out as duplicates.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from hub.api import HubError, IngestOutcome, PluginContext, summarise
from plugins.loyalty_pos.codecs import accepts_poslog
from plugins.loyalty_pos.poslog.reader import PosLogReader
from plugins.loyalty_pos.settings import LoyaltyPosSettings

STALE_SECONDS = 300.0
SEPARATOR = "~"
SNIFF_BYTES = 4096


@dataclass(frozen=True)
class FileResult:
    """What became of one file: where it went and the count of its transactions by status."""

    name: str
    moved_to: Path
    counts: dict[str, int]
    problems: list[str]


def _claim(source: Path, processing: Path, name: str) -> Path | None:
    target = processing / f"{time.time_ns()}-{os.getpid()}{SEPARATOR}{name}"
    try:
        os.rename(source, target)
        os.utime(target)
    except FileNotFoundError:
        return None
    return target


class FilePort:
    """One pass over the plugin's inbound folder."""

    def __init__(self, context: PluginContext) -> None:
        self.context = context
        settings = context.settings_as(LoyaltyPosSettings)
        self.folder = settings.inbound_dir
        self.processing = self.folder / "processing"
        self.reader = PosLogReader(ZoneInfo(settings.timezone), settings.default_currency)

    def _waiting(self) -> list[tuple[Path, str]]:
        found: list[tuple[float, Path, str]] = []
        if self.processing.is_dir():
            stale = time.time() - STALE_SECONDS
            found += [(p.stat().st_mtime, p, p.name.split(SEPARATOR, 1)[1]) for p in self.processing.iterdir()
                      if p.is_file() and SEPARATOR in p.name and p.stat().st_mtime < stale]
        if self.folder.is_dir():
            found += [(p.stat().st_mtime, p, p.name) for p in self.folder.iterdir()
                      if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".tmp")]
        return [(path, name) for _, path, name in sorted(found)]

    def poll(self) -> list[FileResult]:
        """Ingest every waiting file once, in order."""
        results = []
        for path, name in self._waiting():
            self.processing.mkdir(parents=True, exist_ok=True)
            claim = _claim(path, self.processing, name)
            if claim is not None:
                results.append(self._process(claim, name))
        return results

    def _process(self, claim: Path, name: str) -> FileResult:
        counts: Counter[str] = Counter()
        problems: list[str] = []
        try:
            with claim.open("rb") as stream:
                if accepts_poslog(stream.read(SNIFF_BYTES), name):
                    stream.seek(0)
                    for outcomes in self.context.ingest_stream(self.reader.read_stream(stream, name), "poslog"):
                        self._count(outcomes, counts, problems)
                else:
                    self._count(self.context.ingest(self.context.read_file(claim, name), name), counts, problems)
        except HubError as exc:
            problems.append(str(exc))
        return self._finish(claim, name, dict(counts), problems)

    @staticmethod
    def _count(outcomes: list[IngestOutcome], counts: Counter[str], problems: list[str]) -> None:
        counts.update(summarise(outcomes))
        problems += [f"{o.document_id}: {o.status}: {o.error}" for o in outcomes if o.failed]

    def _finish(self, claim: Path, name: str, counts: dict[str, int], problems: list[str]) -> FileResult:
        folder = self.folder / ("error" if problems else "done")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        if target.exists():
            target = folder / f"{time.time_ns()}-{name}"
        if problems:
            target.with_name(target.name + ".error.txt").write_text("\n".join(problems) + "\n", encoding="utf-8")
        os.rename(claim, target)
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing posted"
        log = self.context.log.warning if problems else self.context.log.info
        log("file %s: %s; moved to %s%s", name, summary, target, f": {problems[0]}" if problems else "")
        return FileResult(name, target, counts, problems)


def poll_job(context: PluginContext) -> None:
    """The scheduled job: one pass over the inbound folder."""
    FilePort(context).poll()

"""The IDoc file port: a folder the ERP drops IDoc files into.

A file is claimed by renaming it into ``processing/`` (atomic on one file system, so
two hub processes never take the same file), ingested, then moved to ``done/`` or,
if any IDoc of it failed or it cannot be read, to ``error/`` with a ``.error.txt``
beside it. A hub killed mid-file leaves the file in ``processing/``; it is taken again
after ``STALE_SECONDS``, and inbound dedupe by IDoc number makes the second pass post
only what the first did not.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.core.errors import HubError
from hub.core.ingest import IngestOutcome, summarise
from plugins.erp_sap.settings import PLUGIN, erp_sap_settings

STALE_SECONDS = 300.0


@dataclass(frozen=True)
class FileResult:
    """What happened to one file."""

    name: str
    moved_to: str
    counts: dict[str, int]
    error: str | None = None


def _claim(path: Path, processing: Path) -> Path | None:
    target = processing / path.name
    try:
        os.rename(path, target)
    except FileNotFoundError:  # another process took it first
        return None
    os.utime(target)  # the claim time, so a stale claim can be told apart
    return target


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}.{int(time.time() * 1000)}{path.suffix}"
    shutil.move(str(path), target)
    return target


class FilePort:
    """Polls the inbound folder of the erp_sap plugin."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.folder = erp_sap_settings(runtime.settings.plugins.get(PLUGIN, {})).inbound_dir
        self.processing = self.folder / "processing"
        self.done = self.folder / "done"
        self.error = self.folder / "error"

    def pending(self) -> list[Path]:
        """Files waiting in the inbound folder, oldest first (temporary names skipped)."""
        if not self.folder.is_dir():
            return []
        files = [p for p in self.folder.iterdir()
                 if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".tmp")]
        return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))

    def _stale_claims(self) -> list[Path]:
        if not self.processing.is_dir():
            return []
        limit = time.time() - STALE_SECONDS
        return [p for p in self.processing.iterdir() if p.is_file() and p.stat().st_mtime < limit]

    def poll(self) -> list[FileResult]:
        """Process every waiting file (and stale claims of a crashed hub) once."""
        self.processing.mkdir(parents=True, exist_ok=True)
        claimed = [p for p in self._stale_claims() if _claim(p, self.processing)]
        claimed += [c for c in (_claim(p, self.processing) for p in self.pending()) if c is not None]
        return [self._process(path) for path in claimed]

    def _process(self, path: Path) -> FileResult:
        try:
            outcomes: list[IngestOutcome] = list(
                self.runtime.ingestor(PLUGIN).ingest(path.read_bytes(), path.name, "application/octet-stream"))
        except HubError as exc:
            moved = _move(path, self.error)
            moved.with_name(moved.name + ".error.txt").write_text(f"{exc}\n", encoding="utf-8")
            return FileResult(path.name, str(moved), {}, str(exc))
        failed = [o for o in outcomes if o.status == "failed"]
        if failed:
            moved = _move(path, self.error)
            lines = [f"IDoc {o.document_id} ({o.message_type}): {o.error}" for o in failed]
            moved.with_name(moved.name + ".error.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            return FileResult(path.name, str(moved), summarise(outcomes), lines[0])
        return FileResult(path.name, str(_move(path, self.done)), summarise(outcomes))


def poll_job(runtime: Any) -> list[FileResult]:
    """The scheduled job: one pass over the inbound folder."""
    return FilePort(runtime).poll()

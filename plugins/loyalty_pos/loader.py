"""``hub load loyalty_pos day --source DAY.xml``: a day-end POSLog file, streamed.

``hub ingest`` and the ports take a payload whole and parse it before they write (so
that a payload that cannot be read stores nothing), which holds every transaction of
the file in memory at once: right for a few thousand receipts, not for a chain's day of
100,000. The loader reads the file from disk as it goes, posts it in chunks through the
same pipeline (dedupe, mapping, the loyalty engine's earning, the ERP's queues) in
constant memory, and resumes where it stopped if it is killed. A transaction that
cannot be read fails on its own, as everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from hub.api import ConfigError, OpenedSource, PluginContext, Problem, RawDocument
from plugins.loyalty_pos.poslog.reader import PosLogReader
from plugins.loyalty_pos.settings import PLUGIN, LoyaltyPosSettings


def _transactions(reader: PosLogReader, path: Path) -> Iterator[RawDocument]:
    with path.open("rb") as stream:
        yield from reader.read_stream(stream, path.name)


def open_day(context: PluginContext, source: str | None) -> OpenedSource:
    """The POSLog file ``source``, read lazily; its key names the file as it is now."""
    if source is None:
        raise ConfigError([Problem("--source", "name the day-end POSLog file to load")])
    path = Path(source)
    if not path.is_file():
        raise ConfigError([Problem("--source", f"{source} is not a file")])
    settings = context.settings_as(LoyaltyPosSettings)
    reader = PosLogReader(ZoneInfo(settings.timezone), settings.default_currency)
    stat = path.stat()
    key = f"{PLUGIN}:day:{path.resolve()}:{stat.st_size}:{int(stat.st_mtime)}"
    return OpenedSource(_transactions(reader, path), str(path), key)

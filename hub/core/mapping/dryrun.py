"""Dry runs: parse a file with a plugin's codec and map it, writing nothing anywhere.

Integrators use this to see what a payload would become and which of its fields no
table reads. Key-map lookups read the hub's database when it exists (read-only);
without one every lookup misses. A required reference the hub does not know is a
warning, not an error: posting would keep the document waiting for the object (and
a plugin may ask its system for it), so the document is shown mapped, with a
placeholder where the hub id would be.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.core.errors import ConfigError, HubError, NotFoundError, Problem
from hub.core.mapping.engine import MappingSet
from hub.core.mapping.steps import Lookup
from hub.core.plugins.registry import CodecSpec

HEAD_BYTES = 4096


@dataclass
class DryRunEntry:
    """One document of the file: what it became, or why it could not be mapped."""

    document_id: str
    message_type: str
    mapping_file: str | None = None
    mapping_version: str | None = None
    document: dict[str, Any] | None = None
    unmapped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Unknown codes let through by a policy, and references the hub does not know yet
    (posting would keep the document waiting for them): shown, never fatal."""
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"document_id": self.document_id, "message_type": self.message_type,
                "mapping_file": self.mapping_file, "mapping_version": self.mapping_version,
                "document": self.document, "unmapped": self.unmapped, "warnings": self.warnings,
                "error": self.error}


def pick_codec(codecs: list[CodecSpec], payload: bytes, source_name: str, plugin: str) -> CodecSpec:
    """The first codec of ``plugin`` whose ``accepts`` says yes to this payload."""
    if not codecs:
        raise NotFoundError(f"plugin {plugin!r} has no codecs (or is not loaded)")
    head = payload[:HEAD_BYTES]
    for codec in codecs:
        if codec.accepts is not None and codec.accepts(head, source_name):
            return codec
    if len(codecs) == 1 and codecs[0].accepts is None:
        return codecs[0]
    raise NotFoundError(f"no codec of {plugin} accepts {source_name}"
                        f" (codecs: {', '.join(c.name for c in codecs)})")


def dry_run(codecs: list[CodecSpec], plugin: str, path: Path, mappings: MappingSet,
            lookup: Lookup | None) -> list[DryRunEntry]:
    """Parse ``path`` with one of ``codecs`` and map every document in it."""
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise ConfigError([Problem(str(path), f"cannot be read: {exc}")]) from exc
    codec = pick_codec(codecs, payload, path.name, plugin)
    entries: list[DryRunEntry] = []
    for raw in codec.parse(payload, path.name):
        entry = DryRunEntry(raw.document_id, raw.message_type)
        try:
            result = mappings.map_inbound(raw, lookup, unresolved_as_warnings=True)
        except HubError as exc:
            entry.error = str(exc)
        else:
            entry.mapping_file = result.mapping_file
            entry.mapping_version = result.mapping_version
            entry.document = result.document.model_dump(mode="json", exclude_defaults=True)
            entry.unmapped = result.unmapped
            entry.warnings = [*result.notes, *(
                f"unresolved reference: {object_type} {external_id} of {system} is not known to the hub yet;"
                " posting would keep the document waiting until it arrives"
                for system, object_type, external_id in dict.fromkeys(result.unresolved))]
        entries.append(entry)
    return entries


def read_only_lookup(engine: sa.Engine | None) -> Lookup:
    """A lookup reading the key map of ``engine`` (every lookup misses without one)."""
    if engine is None:
        return lambda system, object_type, external_id: None
    from hub.core.store import keymap

    def lookup(system: str, object_type: str, external_id: str) -> str | None:
        with engine.connect() as conn:
            return keymap.lookup(conn, system, object_type, external_id)

    return lookup


def existing_database(url: str, make_engine: Callable[[], sa.Engine]) -> sa.Engine | None:
    """The engine of an existing hub database, without creating one (SQLite files included)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:" or not Path(database).is_file():
            return None
    from hub.core.store import migrate

    engine = make_engine()
    try:
        return engine if migrate.current_revision(engine) is not None else None
    except sa.exc.SQLAlchemyError:
        return None

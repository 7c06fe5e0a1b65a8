"""Per document and source, the source's own time of the newest version applied from it.

Only sources that stamp their objects send a time (a shop's ``updated_at``); for the
others nothing is stored or read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.core.store.tables import DocumentSourceTimeRow

times = DocumentSourceTimeRow.__table__


def newest(conn: sa.Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], datetime]:
    """(hub id, system) -> the newest modification time applied, for those of ``keys`` known."""
    found: dict[tuple[str, str], datetime] = {}
    by_system: dict[str, list[str]] = {}
    for hub_id, system in keys:
        by_system.setdefault(system, []).append(hub_id)
    for system, hub_ids in by_system.items():
        for start in range(0, len(hub_ids), 500):
            rows = conn.execute(sa.select(times.c.hub_id, times.c.modified_at).where(
                times.c.system == system, times.c.hub_id.in_(hub_ids[start : start + 500])))
            found.update({(row.hub_id, system): row.modified_at for row in rows})
    return found


def record(conn: sa.Connection, applied: dict[tuple[str, str], datetime]) -> None:
    """Keep each (hub id, system) -> time as the newest applied."""
    if not applied:
        return
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(times)
    conn.execute(insert.on_conflict_do_update(
        index_elements=[times.c.hub_id, times.c.system], set_={"modified_at": insert.excluded.modified_at}),
        [{"hub_id": hub_id, "system": system, "modified_at": at} for (hub_id, system), at in applied.items()])

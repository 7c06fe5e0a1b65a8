"""The whole schema: every module that defines tables, gathered on one metadata.

Table modules import nothing of each other's; this module imports them all, so that
what needs every table (the check that migrations and table definitions agree) has one
place to import.
"""

from __future__ import annotations

from hub.core.lists import tables as list_tables
from hub.core.queue import tables as queue_tables
from hub.core.restapi import tables as restapi_tables
from hub.core.scheduling import tables as scheduling_tables
from hub.core.store import merges as merge_tables, references as reference_tables, tables as store_tables

metadata = store_tables.metadata
"""The one SQLModel metadata, with the tables of every module gathered here."""

__all__ = ["list_tables", "merge_tables", "metadata", "queue_tables", "reference_tables", "restapi_tables",
           "scheduling_tables", "store_tables"]

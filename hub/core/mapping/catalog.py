"""Loading every mapping table of an installation, checking them all before any is used.

Folders are given in priority order: the installation's ``mappings/`` first, then the
folders plugins ship. A table of an earlier folder overrides a later table for the
same (system, message type, direction); two tables claiming the same key in one
folder are an error. Any problem in any table stops the load with a ``MappingError``
listing them all, so the hub refuses to start rather than mis-map documents.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hub.core.errors import MappingError, MappingProblem
from hub.core.mapping.engine import MappingSet, MappingTable
from hub.core.mapping.loader import discover
from hub.core.mapping.table import ValueListCache, compile_table

if TYPE_CHECKING:
    from hub.core.model.base import Document


def _keys(table: MappingTable) -> list[tuple[str, str, str]]:
    keys = [(table.system, message_type, "inbound") for message_type in table.inbound_types]
    if table.outbound_type is not None:
        keys.append((table.system, table.outbound_type, "outbound"))
    return keys


def default_document_types() -> dict[str, type[Document]]:
    """The canonical model's registry (imported late: the model is large)."""
    from hub.core.model import DOCUMENT_TYPES

    return dict(DOCUMENT_TYPES)


def check_mapping_folders(folders: list[Path], document_types: dict[str, type[Document]] | None = None
                          ) -> tuple[MappingSet, list[MappingProblem]]:
    """Compile every table under ``folders``; the usable set and every problem found."""
    types = document_types if document_types is not None else default_document_types()
    cache = ValueListCache()
    problems: list[MappingProblem] = []
    tables: list[MappingTable] = []
    owners: dict[tuple[str, str, str], tuple[int, MappingTable]] = {}
    shadowed: list[tuple[str, str]] = []
    for rank, folder in enumerate(folders):
        if not folder.exists():
            continue
        shared = folder / "values" if folder.is_dir() else None
        for path in discover(folder):
            table, found = compile_table(path, types, cache, shared)
            problems.extend(found)
            if table is None:
                continue
            winner = None
            for key in _keys(table):
                owner = owners.get(key)
                if owner is None:
                    continue
                if owner[0] == rank:
                    problems.append(MappingProblem(table.file, None, None,
                                                   f"{key[0]} {key[1]} ({key[2]}) is already mapped by"
                                                   f" {owner[1].file}"))
                winner = owner[1]
            if winner is not None:
                shadowed.append((table.file, winner.file))
                continue
            for key in _keys(table):
                owners[key] = (rank, table)
            tables.append(table)
    return MappingSet(tables, shadowed), problems


def load_mapping_set(folders: list[Path], document_types: dict[str, type[Document]] | None = None
                     ) -> MappingSet:
    """Every table under ``folders``, compiled; ``MappingError`` lists every problem at once."""
    mapping_set, problems = check_mapping_folders(folders, document_types)
    if problems:
        raise MappingError(problems)
    return mapping_set


"""Copying a plugin's mapping tables into the installation's folder, for editing.

A plugin ships its tables in its package; an integrator who must change one copies it
into the installation's ``mappings/`` (where it then overrides the plugin's) with the
value lists it names, keeping the folder layout, so that it loads as it did.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from hub.core.errors import NotFoundError
from hub.core.mapping.engine import MappingTable

_NAMED_LISTS = re.compile(r"^\s*-?\s*(?:.*?[{,]\s*)?(?:values|currency_values)\s*:\s*([A-Za-z0-9_.\-/]+)", re.M)


@dataclass(frozen=True)
class Copied:
    """A file copied: from the plugin's folder to the installation's; ``kept`` when it
    was there already and left alone."""

    source: Path
    target: Path
    kept: bool


def list_files(table: Path, folder: Path) -> list[Path]:
    """The CSV value lists ``table`` names by name that live in the plugin's ``folder``
    (next to the table, or at the folder's top)."""
    names = set(_NAMED_LISTS.findall(table.read_text(encoding="utf-8")))
    found = []
    for name in sorted(names):
        for candidate in (table.parent / "values" / f"{name}.csv", folder / "values" / f"{name}.csv",
                          table.parent / name):
            if candidate.suffix == ".csv" and candidate.is_file():
                found.append(candidate)
                break
    return found


def copy_tables(tables: list[MappingTable], folder: Path, installation: Path, overwrite: bool = False) -> list[Copied]:
    """Copy ``tables`` (all from the plugin folder ``folder``) and their value lists into
    ``installation``, keeping their paths below ``folder``; existing files are kept
    unless ``overwrite``."""
    if not tables:
        raise NotFoundError("no table to copy")
    files: dict[Path, None] = {}
    for table in tables:
        path = Path(table.file)
        files[path] = None
        files.update(dict.fromkeys(list_files(path, folder)))
    copied = []
    for source in files:
        target = installation / source.relative_to(folder)
        kept = target.exists() and not overwrite
        if not kept:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        copied.append(Copied(source, target, kept))
    return copied

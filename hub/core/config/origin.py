"""Where each setting came from: the config file, an environment variable, or the default.

Problems name the place a person has to edit (``hub.toml`` or ``HUB_DUPLICATE_THRESHOLD``),
and ``hub config show`` says where each effective value came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, get_origin

from pydantic import BaseModel
from pydantic_settings import NoDecode

from hub.core.config.shape import is_table
from hub.core.errors import Problem

KeyPath = tuple[str | int, ...]
DEFAULT = "default"


def key_paths(data: Mapping[str, Any], prefix: KeyPath = ()) -> Iterator[KeyPath]:
    """Every key path in ``data``: tables and the keys inside them."""
    for key, value in data.items():
        path = (*prefix, key)
        yield path
        if isinstance(value, Mapping):
            yield from key_paths(value, path)


def _leaf_paths(value: Any, path: KeyPath) -> Iterator[KeyPath]:
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            yield from _leaf_paths(item, (*path, key))
    else:
        yield path


@dataclass(frozen=True)
class EnvironmentValues:
    """The ``PREFIX_<KEY>`` variables that set top-level keys of a settings model.

    ``names``: key -> variable name as set; ``leaves``: every key path they set (inside
    a JSON object too); ``problems``: variables whose JSON cannot be read.
    """

    names: dict[str, str]
    leaves: frozenset[KeyPath]
    problems: list[Problem]


def _decodes_json(annotation: Any, metadata: list[Any]) -> bool:
    """Whether pydantic-settings reads this field's variable as JSON (tables and lists)."""
    if NoDecode in metadata:
        return False
    return is_table(annotation) or get_origin(annotation) in (list, tuple, set, frozenset)


def read_environment(model: type[BaseModel], prefix: str, environ: Mapping[str, str]) -> EnvironmentValues:
    """Which keys of ``model`` the environment sets (names matched case-insensitively,
    as pydantic-settings does)."""
    by_lower = {name.lower(): name for name in environ}
    names: dict[str, str] = {}
    leaves: set[KeyPath] = set()
    problems: list[Problem] = []
    for key, info in model.model_fields.items():
        name = by_lower.get(f"{prefix}{key}".lower())
        if name is None:
            continue
        names[key] = name
        if not _decodes_json(info.annotation, info.metadata):
            leaves.add((key,))
            continue
        try:
            leaves.update(_leaf_paths(json.loads(environ[name]), (key,)))
        except json.JSONDecodeError:
            # The value itself is not repeated: it may hold a password.
            problems.append(Problem(name, "is not valid JSON (this setting takes a JSON object or list)"))
    return EnvironmentValues(names, frozenset(leaves), problems)


@dataclass(frozen=True)
class ConfigOrigin:
    """Where the settings came from.

    ``file``: the config file as named, when it was read; ``file_keys``: every key path
    it sets; ``env_names`` and ``env_keys``: the environment variables that set top-level
    keys, and the key paths they set. The environment wins over the file.
    """

    file: str | None = None
    file_keys: frozenset[KeyPath] = frozenset()
    env_names: Mapping[str, str] = field(default_factory=dict)
    env_keys: frozenset[KeyPath] = frozenset()

    def _from_env(self, path: KeyPath) -> bool:
        return any(path[:i] in self.env_keys for i in range(1, len(path) + 1))

    def where(self, path: KeyPath) -> str:
        """What a person edits to change ``path``: the variable or the file ("" when neither)."""
        name = self.env_names.get(str(path[0])) if path else None
        if name is not None and (self._from_env(path) or path not in self.file_keys):
            return name
        return self.file or ""

    def source(self, path: KeyPath) -> str:
        """Where the effective value at ``path`` came from: a variable, the file or ``default``."""
        if path and self._from_env(path):
            return self.env_names[str(path[0])]
        if path in self.file_keys and self.file:
            return self.file
        return DEFAULT

"""Validation errors turned into problems a person can act on.

Each pydantic error becomes one ``Problem`` located by where to edit (file or variable),
TOML section and key, e.g. ``hub.toml: [http] passwd: unknown key (did you mean
'password'?)``. Input values are never repeated: they may be passwords.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from hub.core.config.origin import ConfigOrigin, KeyPath
from hub.core.config.shape import annotations_along, is_table, known_keys
from hub.core.errors import Problem

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def suggestion(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or "" when none is close."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def dotted(path: KeyPath) -> str:
    """A key path as TOML writes it: ``queue.policies."erp_sap.cancel"``, ``emails[0]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            key = part if _BARE_KEY.match(part) else '"' + part.replace('"', '\\"') + '"'
            text += f".{key}" if text else key
    return text


def _table_length(model: type[BaseModel], loc: KeyPath, whole_table: bool) -> int:
    """How many leading parts of ``loc`` name tables (the rest is the key)."""
    length = 0
    for annotation in annotations_along(model, loc):
        if annotation is None or not is_table(annotation):
            break
        length += 1
    return length if whole_table else min(length, len(loc) - 1)


def _message(error: ErrorDetails, model: type[BaseModel], loc: KeyPath) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key" + suggestion(str(loc[-1]), known_keys(model, loc[:-1]))
    if kind == "missing":
        return "missing (required)"
    if kind == "value_error":
        return error["msg"].removeprefix("Value error, ")
    return error["msg"]


def located(where: str, table: KeyPath, key: KeyPath, variable: bool = False) -> str:
    """``hub.toml: [http] passwd``; the section or key is left out when empty, and so is
    a top-level key after the ``variable`` that sets it (``HUB_DUPLICATE_THRESHOLD``)."""
    place = " ".join(p for p in (f"[{dotted(table)}]" if table else "", dotted(key)) if p)
    if variable and not table and len(key) == 1:
        place = ""
    return ": ".join(p for p in (where, place) if p)


def setting_problem(origin: ConfigOrigin, table: KeyPath, key: KeyPath, message: str) -> Problem:
    """A problem with the setting ``table`` + ``key``, found after validation (a database
    that cannot be opened, a plugin table nobody reads), located like the others."""
    path = (*table, *key)
    where = origin.where(path) if path else origin.file or ""
    return Problem(located(where, table, key, where in origin.env_names.values()), message)


def config_problems(
    exc: ValidationError, model: type[BaseModel], origin: ConfigOrigin, prefix: KeyPath = ()
) -> list[Problem]:
    """One problem per error of ``exc``, raised validating ``model`` at table ``prefix``
    (``("plugins", "erp_sap")`` for a plugin's settings)."""
    found = []
    for error in exc.errors(include_url=False, include_input=False):
        loc: KeyPath = tuple(error["loc"])
        whole_table = error["type"] != "extra_forbidden"
        split = _table_length(model, loc, whole_table) if loc else 0
        found.append(setting_problem(origin, (*prefix, *loc[:split]), loc[split:], _message(error, model, loc)))
    return found

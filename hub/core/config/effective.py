"""The effective configuration as a person may see it: the file and the environment with
defaults filled in, plugins' settings included, every secret masked, and where each
value came from.

Masked are ``SecretStr`` (and ``SecretBytes``) values and the password of any URL, in
its user part (``postgresql://hub:***@db/hub``) or its query (``?password=***``): a
database or peer URL often carries one in plain text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, SecretBytes, SecretStr

from hub.core.config.origin import DEFAULT, ConfigOrigin, KeyPath
from hub.core.config.problems import dotted

MASK = "***"
SET_IN_CODE = "code"
"""The source of a value given to the settings model in code, not read from file or environment."""
_PASSWORD_PARAMETERS = frozenset({"password", "passwd", "pwd", "sslpassword"})


def mask_url(text: str) -> str:
    """``text`` with a URL's password replaced by ``***``; any other text as it is."""
    if "://" not in text:
        return text
    try:
        parts = urlsplit(text)
        has_password = parts.password is not None
    except ValueError:
        return text
    netloc = parts.netloc
    if has_password:
        userinfo, _, host = netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}:{MASK}@{host}"
    query = parse_qsl(parts.query, keep_blank_values=True)
    hidden = [(key, MASK if key.lower() in _PASSWORD_PARAMETERS else value) for key, value in query]
    if not has_password and hidden == query:
        return text
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(hidden, safe="*")))


def shown(value: Any) -> Any:
    """A leaf value ready to show: secrets and URL passwords masked, paths as text."""
    if isinstance(value, (SecretStr, SecretBytes)):
        return MASK
    if isinstance(value, str):
        return mask_url(value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [shown(item) for item in value]
    return value


@dataclass(frozen=True)
class EffectiveConfig:
    """``values``: the settings as nested tables, masked; ``sources``: for each dotted key
    (``http.password``), the file, the variable, ``default`` or ``code`` it came from."""

    config_file: str | None
    values: dict[str, Any]
    sources: dict[str, str]


def _leaves(value: Any, path: KeyPath, explicit: bool) -> Iterator[tuple[KeyPath, Any, bool]]:
    """(path, value, set explicitly) of every leaf below ``value``; a model knows which of
    its fields were given (the rest are defaults), a mapping's entries all were."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _leaves(getattr(value, name), (*path, name), explicit and name in value.model_fields_set)
    elif isinstance(value, Mapping) and value:
        for key, item in value.items():
            yield from _leaves(item, (*path, key), explicit)
    else:
        yield path, value, explicit


def _put(tables: dict[str, Any], path: KeyPath, value: Any) -> None:
    for part in path[:-1]:
        tables = tables.setdefault(str(part), {})
    tables[str(path[-1])] = {} if isinstance(value, Mapping) else shown(value)


def effective_config(
    settings: BaseModel, origin: ConfigOrigin, plugin_settings: Mapping[str, BaseModel | None]
) -> EffectiveConfig:
    """The hub's ``settings`` (their raw ``plugins`` tables left out) and each plugin's
    validated settings under ``plugins``, masked, with where each value came from."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    roots: list[tuple[KeyPath, BaseModel]] = [((), settings)]
    roots += [(("plugins", name), model) for name, model in plugin_settings.items() if model is not None]
    for root, model in roots:
        for path, value, explicit in _leaves(model, root, True):
            if path[:1] == ("plugins",) and not root:
                continue
            _put(values, path, value)
            source = origin.source(path) if explicit else DEFAULT
            sources[dotted(path)] = SET_IN_CODE if explicit and source == DEFAULT else source
    return EffectiveConfig(origin.file, values, sources)

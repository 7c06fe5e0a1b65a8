"""The shape of a settings model along a key path: which parts are tables, which keys a
table knows.

Validation errors name a path such as ``("queue", "policies", "erp_sap", "max_attemps")``;
only the models know that the first three parts are the TOML table
``[queue.policies.erp_sap]`` and the last one is a key in it.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``; a union of several types stays as it is."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_mapping(annotation: Any) -> bool:
    origin = get_origin(annotation) or annotation
    return isinstance(origin, type) and issubclass(origin, Mapping)


def is_table(annotation: Any) -> bool:
    """True for what TOML writes as a table: a model or a mapping."""
    annotation = _unwrap(annotation)
    return _is_model(annotation) or _is_mapping(annotation)


def _child(annotation: Any, part: str | int) -> Any:
    annotation = _unwrap(annotation)
    if _is_model(annotation):
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return field.annotation if field is not None else None
    args = get_args(annotation)
    if _is_mapping(annotation):
        return args[1] if len(args) == 2 else Any
    if isinstance(part, int) and args:
        return args[0]
    return None


def annotations_along(model: type[BaseModel], path: tuple[str | int, ...]) -> list[Any]:
    """The annotation at each prefix of ``path`` (``path[:1]``, ``path[:2]``...), None
    where the path leaves the model (an unknown key)."""
    found: list[Any] = []
    current: Any = model
    for part in path:
        current = None if current is None else _child(current, part)
        found.append(current)
    return found


def known_keys(model: type[BaseModel], table: tuple[str | int, ...]) -> list[str]:
    """The keys the table at ``table`` accepts (empty when it takes any key)."""
    annotation = _unwrap(annotations_along(model, table)[-1] if table else model)
    return list(annotation.model_fields) if _is_model(annotation) else []


def nested_models(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    """``model`` and every model reachable through its fields, each once."""
    seen: set[type[BaseModel]] = set()
    pending: list[Any] = [model]
    while pending:
        annotation = pending.pop()
        if _is_model(annotation):
            if annotation in seen:
                continue
            seen.add(annotation)
            yield annotation
            pending.extend(field.annotation for field in annotation.model_fields.values())
        else:
            pending.extend(get_args(annotation))

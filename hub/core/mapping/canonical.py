"""What the canonical model allows as a target: resolving field paths against pydantic classes.

A table's targets are checked against the document class before any document is
mapped: unknown fields, a list used as a scalar, a constant of the wrong type, or a
required field nothing produces are all mapping errors, found at start-up.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, Union

from pydantic import BaseModel, TypeAdapter, ValidationError


@dataclass(frozen=True)
class Shape:
    """The shape of one canonical field: its (unwrapped) type, and what it contains."""

    name: str
    annotation: Any
    required: bool
    model: type[BaseModel] | None = None
    """The model class for a nested object, or for the items of a list of objects."""
    is_list: bool = False
    is_dict: bool = False
    item_annotation: Any = None
    """The item type of a list or the value type of a dict."""


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _model_of(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


@cache
def shape(model: type[BaseModel], name: str) -> Shape | None:
    """The shape of field ``name`` of ``model`` (None when the model has no such field)."""
    info = model.model_fields.get(name)
    if info is None:
        return None
    annotation = _unwrap(info.annotation)
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        item = _unwrap(typing.get_args(annotation)[0]) if typing.get_args(annotation) else Any
        return Shape(name, info.annotation, info.is_required(), _model_of(item), is_list=True,
                     item_annotation=item)
    if origin is dict:
        args = typing.get_args(annotation)
        value = _unwrap(args[1]) if len(args) == 2 else Any
        return Shape(name, info.annotation, info.is_required(), _model_of(value), is_dict=True,
                     item_annotation=value)
    return Shape(name, info.annotation, info.is_required(), _model_of(annotation))


def resolve(model: type[BaseModel], dotted: str) -> list[Shape]:
    """Shapes along ``dotted`` (``net_value.amount``); ``ValueError`` names the bad part.

    A dict field takes one more part as its key (``marketing_attributes.segment``).
    Lists are not walked here: a list of objects is a repeating group with its own rules.
    """
    shapes: list[Shape] = []
    current: type[BaseModel] | None = model
    parts = dotted.split(".")
    i = 0
    while i < len(parts):
        part = parts[i]
        if current is None:
            raise ValueError(f"{'.'.join(parts[:i])!r} has no fields, so {dotted!r} cannot be set")
        found = shape(current, part)
        if found is None:
            known = ", ".join(sorted(current.model_fields))
            raise ValueError(f"{current.__name__} has no field {part!r} (known: {known})")
        shapes.append(found)
        if found.is_dict and i + 1 < len(parts):
            key = parts[i + 1]
            shapes.append(Shape(key, found.item_annotation, False, found.model))
            current = found.model
            i += 2
            continue
        if found.is_list and i + 1 < len(parts):
            raise ValueError(f"{part!r} is a list; map its items with a group rule (each/rules)")
        current = found.model
        i += 1
    return shapes


def check_value(annotation: Any, value: Any) -> str | None:
    """Why ``value`` (a constant or default from a table) does not fit ``annotation``, or None."""
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError as exc:
        return "; ".join(err["msg"] for err in exc.errors())
    return None


def required_fields(model: type[BaseModel]) -> list[str]:
    """Fields of ``model`` that have no default, in declaration order."""
    return [name for name, info in model.model_fields.items() if info.is_required()]


def coerce(annotation: Any, value: Any) -> Any:
    """``value`` as the canonical type holds it (``"organisation"`` -> ``PartnerKind.organisation``)."""
    return TypeAdapter(annotation).validate_python(value)

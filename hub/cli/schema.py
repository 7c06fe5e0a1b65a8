"""``hub schema``: the JSON Schema of the canonical document types.

Integrators writing mapping tables, and peers sending canonical JSON, read the
schema to know every field, its type and whether it is required.
"""

from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import click

from hub.cli.output import json_option, print_json, print_table
from hub.core.model import DOCUMENT_TYPES, Document, document_class


def document_schema(cls: type[Document]) -> dict[str, Any]:
    """The JSON Schema (validation mode: what the hub accepts) of one document class."""
    return cls.model_json_schema()


def _summary(cls: type[Document]) -> str:
    """The first paragraph of the class docstring, on one line."""
    first_paragraph = (cls.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(first_paragraph.split()).replace("``", "")


@click.command()
@click.argument("doc_type", metavar="[TYPE]", required=False)
@json_option
def schema(doc_type: str | None, as_json: bool) -> None:
    """Show the canonical document types, or the JSON Schema of one (TYPE, e.g. sales_order)."""
    classes = [document_class(doc_type)] if doc_type else list(DOCUMENT_TYPES.values())
    if as_json:
        if doc_type:
            print_json(document_schema(classes[0]))
        else:
            print_json({cls.doc_type: document_schema(cls) for cls in classes})
        return
    print_table(
        ("type", "class", "fields", "description"),
        [(cls.doc_type, cls.__name__, len(cls.model_fields), _summary(cls)) for cls in classes],
        title="Canonical document types",
    )
    if doc_type:
        cls = classes[0]
        print_table(
            ("field", "type", "required", "description"),
            [(name, _type_name(info.annotation), "yes" if info.is_required() else "",
              info.description) for name, info in cls.model_fields.items()],
            title=f"Fields of {cls.doc_type}",
        )


def _type_name(annotation: Any) -> str:
    """A short readable type: ``list[SalesItem]``, ``Money | None``, ``AwareDatetime``."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _type_name(args[0])
    if origin in (Union, UnionType):
        return " | ".join(_type_name(arg) for arg in args)
    if origin is not None:
        return f"{getattr(origin, '__name__', origin)}[{', '.join(_type_name(a) for a in args)}]"
    if annotation is type(None):
        return "None"
    return getattr(annotation, "__name__", str(annotation))


commands = [schema]

"""Turning pydantic validation errors into hub errors that name document, field and reason.

Plugins and the master-data service call ``validate_document`` on mapped data; what
they get back on bad input is one ``InvalidDocumentError`` listing every problem by
dotted field path (``items.0.quantity.unit``), ready for the admin to read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hub.core.errors import DocumentError
from hub.core.model.base import Document
from hub.core.model.registry import document_class


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: its dotted path inside the document, and why."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class InvalidDocumentError(DocumentError):
    """A document failed validation; ``problems`` lists every invalid field.

    ``field`` and ``reason`` (from DocumentError) are those of the first problem.
    """

    def __init__(self, document: str, problems: list[FieldProblem]) -> None:
        self.problems = problems
        first = problems[0]
        reason = first.reason
        if len(problems) > 1:
            reason += "; also " + "; ".join(str(p) for p in problems[1:])
        super().__init__(document, first.field, reason)


def _path(error: Mapping[str, Any]) -> str:
    parts = [str(part) for part in error["loc"]]
    extra = (error.get("ctx") or {}).get("path") if error["type"] == "hub_field" else None
    if extra:
        parts.append(extra)
    return ".".join(parts) or "(document)"


def _reason(error: Mapping[str, Any]) -> str:
    if error["type"] == "hub_field":
        return str(error["ctx"]["reason"])
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def field_problems(exc: ValidationError) -> list[FieldProblem]:
    """Every error of ``exc`` as a dotted field path and a reason."""
    return [FieldProblem(_path(e), _reason(e)) for e in exc.errors(include_url=False)]


def validate_document(
    doc_type: str, data: Mapping[str, Any] | str | bytes, document: str | None = None
) -> Document:
    """Validate ``data`` (a mapping, or JSON text) as a document of ``doc_type``.

    ``document`` names the input in errors (e.g. "erp_sap ORDERS05 0000004711");
    it defaults to the doc_type. Raises NotFoundError for an unknown doc_type and
    InvalidDocumentError listing every invalid field.
    """
    cls = document_class(doc_type)
    try:
        if isinstance(data, (str, bytes)):
            return cls.model_validate_json(data)
        return cls.model_validate(data)
    except ValidationError as exc:
        raise InvalidDocumentError(document or doc_type, field_problems(exc)) from exc

"""Errors of the REST API as RFC 9457 problem details (``application/problem+json``).

Every error under ``/api/v1`` is answered this way, whatever raised it: a hub error
(not found, stale version, invalid document), FastAPI's request validation, an unknown
path, a refused body, a bug. A 422 lists every problem it found in ``errors``, each
located as pydantic locates it (``["body", "items", 0, "quantity", "unit"]``) and as
a dotted field path inside the document (``items.0.quantity.unit``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.core.errors import BodyTooLarge, DocumentError, NotFoundError, StaleUpdateError
from hub.core.model.validation import InvalidDocumentError
from hub.core.queue.admin import QueueBusyError
from hub.core.restapi.idempotency import IdempotencyKeyReused
from hub.core.store.keymap import KeyConflictError

log = logging.getLogger("hub.http.api")

MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://crm-hub.dev/problems/"
"""Problem types are named under this base (a name, not a page to fetch)."""


class FieldProblem(BaseModel):
    """One thing wrong with the request."""

    loc: list[str | int] = Field(description="Where, as pydantic locates it: body, header, query or path first.")
    field: str = Field(description="The dotted path inside the body (``items.0.quantity.unit``), or the parameter.")
    message: str
    type: str = Field(description="The kind of error (pydantic's error type, e.g. missing, string_too_short).")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(default="about:blank", description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="The path of the request.")
    errors: list[FieldProblem] = Field(default_factory=list, description="Every field problem (422).")


class ApiRefusal(Exception):
    """The API turns a request away with ``status`` (401, 403, 409, 412, 428...) and ``detail``."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None,
                 kind: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})
        self.kind = kind


def problem(status: int, detail: str | None, instance: str | None = None, errors: Sequence[FieldProblem] = (),
            kind: str | None = None, headers: Mapping[str, str] | None = None) -> Response:
    """A problem+json response."""
    body = Problem(type=PROBLEM_BASE + kind if kind else "about:blank", title=HTTPStatus(status).phrase,
                   status=status, detail=detail, instance=instance, errors=list(errors))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, media_type=MEDIA_TYPE,
                        headers=dict(headers or {}))


def _field_of(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "header", "query", "path"):
        parts = parts[1:]
    return ".".join(parts) or "(body)"


def validation_problems(errors: Sequence[Mapping[str, Any]]) -> list[FieldProblem]:
    """Pydantic's errors as field problems; a check across fields (``field_error``)
    is located at the field it names."""
    found = []
    for error in errors:
        loc: list[str | int] = [p if isinstance(p, int) else str(p) for p in error.get("loc", ())]
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        if error.get("type") == "hub_field":
            ctx = error.get("ctx") or {}
            loc += [int(p) if p.isdigit() else p for p in str(ctx.get("path", "")).split(".") if p]
            message = str(ctx.get("reason", message))
        found.append(FieldProblem(loc=loc, field=_field_of(loc), message=message, type=str(error.get("type", ""))))
    return found


def _document_problems(exc: DocumentError, place: str) -> list[FieldProblem]:
    if isinstance(exc, InvalidDocumentError):
        pairs = [(p.field, p.reason) for p in exc.problems]
    else:
        pairs = [(exc.field, exc.reason)]
    problems = []
    for field, reason in pairs:
        parts: list[str | int] = [int(p) if p.isdigit() else p for p in field.split(".") if p]
        problems.append(FieldProblem(loc=[place, *parts], field=field, message=reason, type="hub_document"))
    return problems


def invalid(place: str, name: str, message: str) -> RequestValidationError:
    """A request parameter (``place`` header, query or path) that is wrong, as a 422."""
    return RequestValidationError([{"loc": (place, name), "msg": message, "type": "value_error"}])


def _path(request: Request) -> str:
    return request.url.path


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = validation_problems(exc.errors())
    return problem(422, f"{len(errors)} problem(s) with the request; nothing was stored", _path(request), errors,
                   "invalid-request")


async def _hub_error(request: Request, exc: Exception) -> Response:
    """The hub's own errors, each by what it means for the client."""
    path = _path(request)
    if isinstance(exc, NotFoundError):
        return problem(404, str(exc), path, kind="not-found")
    if isinstance(exc, StaleUpdateError):
        return problem(412, str(exc), path, kind="stale-version")
    if isinstance(exc, KeyConflictError | QueueBusyError):
        return problem(409, str(exc), path, kind="conflict")
    if isinstance(exc, IdempotencyKeyReused):
        return problem(422, exc.reason, path, _document_problems(exc, "header"), "idempotency-key-reused")
    if isinstance(exc, DocumentError):
        errors = _document_problems(exc, "body")
        return problem(422, f"{len(errors)} problem(s) with the request; nothing was stored", path, errors,
                       "invalid-document")
    raise TypeError(f"no problem answer for {type(exc).__name__}")


async def _refusal(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiRefusal)
    return problem(exc.status, exc.detail, _path(request), kind=exc.kind, headers=exc.headers)


async def _http(request: Request, exc: Exception) -> Response:
    """Starlette's and FastAPI's own refusals (unknown path, wrong method, a body over
    the route's limit that FastAPI's body reading turned into a 400)."""
    assert isinstance(exc, HTTPException)
    cause = exc.__cause__
    if isinstance(cause, BodyTooLarge):
        return problem(413, cause.reason, _path(request), kind="body-too-large", headers={"Connection": "close"})
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem(exc.status_code, detail, _path(request), headers=exc.headers)


async def _too_large(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyTooLarge)
    return problem(413, exc.reason, _path(request), kind="body-too-large", headers={"Connection": "close"})


async def _bug(request: Request, exc: Exception) -> Response:
    log.error("%s %s failed", request.method, _path(request), exc_info=exc)
    return problem(500, "the hub failed to answer this request; the error is in its log", _path(request))


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(BodyTooLarge, _too_large)
    app.add_exception_handler(NotFoundError, _hub_error)
    app.add_exception_handler(StaleUpdateError, _hub_error)
    app.add_exception_handler(KeyConflictError, _hub_error)
    app.add_exception_handler(QueueBusyError, _hub_error)
    app.add_exception_handler(DocumentError, _hub_error)
    app.add_exception_handler(ApiRefusal, _refusal)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _bug)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": text}
    for status, text in {
        401: "No API key, or an unknown or revoked one.",
        403: "The key's scope does not allow this.",
        413: "The body is larger than the API takes.",
        422: "Every problem with the request, in ``errors``; nothing was stored.",
    }.items()
}
"""Errors any endpoint may answer, for its OpenAPI description."""


def responses(**more: str) -> dict[int | str, dict[str, Any]]:
    """``ERROR_RESPONSES`` plus the endpoint's own (``not_found="..."`` style: status by name)."""
    named = {"not_found": 404, "conflict": 409, "stale": 412, "precondition_required": 428}
    return {**ERROR_RESPONSES, **{named[k]: {"model": Problem, "description": v} for k, v in more.items()}}

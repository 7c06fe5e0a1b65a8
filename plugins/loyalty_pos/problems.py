"""RFC 9457 problem details: how the plugin's routes say what went wrong.

A till's software branches on ``status`` and ``type`` and shows ``detail`` to the
cashier, so every refusal of the till API and the transaction ports is one JSON object
of ``application/problem+json``: ``type`` (a stable URI per kind of problem), ``title``,
``status``, ``detail``, and for a malformed body ``errors``, every field problem at
once (``{"field": "lines.0.quantity", "message": "..."}``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.responses import JSONResponse

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://crm-hub.dev/problems/loyalty/"


@dataclass(frozen=True)
class FieldIssue:
    """One problem of a request body: the field (dotted path) and what is wrong with it."""

    field: str
    message: str


class TillProblem(Exception):
    """A refusal the route answers as problem+json (``kind`` ends the ``type`` URI)."""

    def __init__(self, status: int, kind: str, title: str, detail: str,
                 errors: Sequence[FieldIssue] = ()) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.errors = list(errors)

    def response(self) -> JSONResponse:
        """The problem as its HTTP answer."""
        body: dict[str, object] = {"type": TYPE_BASE + self.kind, "title": self.title, "status": self.status,
                                   "detail": self.detail}
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        headers = {"WWW-Authenticate": 'Bearer realm="loyalty_pos"'} if self.status == 401 else None
        return JSONResponse(body, status_code=self.status, media_type=MEDIA_TYPE, headers=headers)


def malformed(detail: str, errors: Sequence[FieldIssue] = ()) -> TillProblem:
    """422: the body is not what the route takes; ``errors`` lists every field problem."""
    return TillProblem(422, "malformed-body", "Malformed request body", detail, errors)


def not_found(kind: str, detail: str) -> TillProblem:
    """404: the card, reservation or coupon named does not exist."""
    return TillProblem(404, kind, "Not found", detail)


def conflict(kind: str, detail: str) -> TillProblem:
    """409: the request is well-formed but cannot be done now (too few points, used coupon)."""
    return TillProblem(409, kind, "Conflict", detail)


def unauthorised(detail: str) -> TillProblem:
    """401: no store API key, or one the hub does not know."""
    return TillProblem(401, "bad-key", "Unauthorized", detail)


def forbidden(detail: str) -> TillProblem:
    """403: the store's key is genuine but the request is about another store."""
    return TillProblem(403, "wrong-store", "Forbidden", detail)

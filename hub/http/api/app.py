"""The REST API's FastAPI app: the routes of every document type, the partner view and
the queues, problem+json for every error, and the OpenAPI description made from them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp

from hub import __version__
from hub.core.runtime import HubRuntime
from hub.http.api import PREFIX, documents, partners, problems, queues
from hub.http.api.auth import KeyCheck
from hub.http.api.reference import OPENAPI_PATH, REFERENCE_PATH, SWAGGER_PATH, render_reference
from hub.http.api.services import ApiServices

DESCRIPTION = """The canonical documents of CRM Hub, read and written through master data
and the replication outbox, and its replication queues.

Authenticate with a key from `hub api-key create --scope read|write|admin` as
`Authorization: Bearer KEY` or `X-API-Key: KEY`. `read` may call every GET, `write`
also creates (`POST`, with `Idempotency-Key`) and updates (`PUT`, with `If-Match`),
`admin` also retries, skips and replays queue messages. Errors are RFC 9457 problem
details (`application/problem+json`); a 422 lists every problem in `errors`."""


def _problem_media_types(schema: dict[str, Any]) -> dict[str, Any]:
    """Error answers are problem+json: say so in the description, where FastAPI wrote
    its default media type."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status)[:1] in "45" and "application/json" in content:
                    content[problems.MEDIA_TYPE] = content.pop("application/json")
    return schema


def build_api(runtime: HubRuntime) -> FastAPI:
    """The REST API app of ``runtime``, to be mounted at ``PREFIX`` (``hub.http.api.lazy``)."""
    app = FastAPI(title="CRM Hub REST API", version=__version__, description=DESCRIPTION,
                  openapi_url=OPENAPI_PATH, docs_url=None, redoc_url=None)
    app.state.services = ApiServices(runtime)
    problems.install(app)
    for router in documents.routers():
        app.include_router(router)
    app.include_router(partners.router)
    app.include_router(queues.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _problem_media_types(get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes,
                servers=[{"url": PREFIX}]))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to shape the schema
    _add_pages(app)
    return app


def _add_pages(app: FastAPI) -> None:
    """The description's two pages: the reference, rendered here and complete offline,
    and Swagger UI, whose script comes from its CDN."""
    reference: list[str] = []

    @app.get(REFERENCE_PATH, include_in_schema=False)
    def reference_page() -> HTMLResponse:
        if not reference:
            reference.append(render_reference(app.openapi(), PREFIX))
        return HTMLResponse(reference[0])

    @app.get(SWAGGER_PATH, include_in_schema=False)
    def swagger_page() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=PREFIX + OPENAPI_PATH, title=f"{app.title} - Swagger UI")


def serve_api(runtime: HubRuntime) -> ASGIApp:
    """The REST API of ``runtime`` as the server mounts it: behind its key check (the
    description and its page stay public)."""
    app = build_api(runtime)
    public = frozenset((OPENAPI_PATH, REFERENCE_PATH, SWAGGER_PATH))
    services = app.state.services
    assert isinstance(services, ApiServices)
    return KeyCheck(app, services, public)

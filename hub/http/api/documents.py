"""The canonical documents, one set of routes per document type, so each route's
OpenAPI schema is that type's canonical model exactly.

- ``GET /{type}/{ident}``: by hub id, ``SYSTEM:EXTERNAL-ID``, or an id one system uses;
- ``GET /{type}?since=...&cursor=...``: changed since a time, page by page;
- ``POST /{type}`` with ``Idempotency-Key``: create;
- ``PUT /{type}/{ident}`` with ``If-Match``: update that version.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the endpoints'
# annotations at run time, and the type of each route's body is a local name (its
# document class), which a string annotation could not reach.

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import AwareDatetime, BaseModel, Field, create_model
from starlette.responses import Response

from hub.core.errors import DocumentError
from hub.core.model.base import Document, utcnow
from hub.core.model.registry import DOCUMENT_TYPES
from hub.core.restapi.changes import MAX_PAGE, changed_since, read_cursor
from hub.core.restapi.idempotency import MAX_KEY_LENGTH, KeyedRequest, check_key
from hub.core.restapi.reads import read_document, read_many
from hub.http.api.auth import Reader, Writer
from hub.http.api.bodies import unstorable
from hub.http.api.preconditions import etag, if_match_versions
from hub.http.api.problems import ApiRefusal, invalid, responses
from hub.http.api.services import ApiServices, services

Hub = Annotated[ApiServices, Depends(services)]
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]+$"
"""Ids in paths and queries: no control characters (the databases refuse NUL)."""
Ident = Annotated[str, Path(max_length=200, pattern=PLAIN_TEXT,
                            description="Hub id, SYSTEM:EXTERNAL-ID, or an external id only one system uses.")]
REPLAYED = "Idempotent-Replayed"


def document_response(data: dict[str, Any], version: int, status: int = 200,
                      headers: dict[str, str] | None = None) -> Response:
    """The document as JSON, with its version as ETag."""
    return Response(orjson.dumps(data), status_code=status, media_type="application/json",
                    headers={"ETag": etag(version), **(headers or {})})


def refuse_unstorable(document: Document) -> None:
    """A 422 naming every value of ``document`` the store could not keep (``hub.http.api.bodies``)."""
    problems = unstorable(document.model_dump(mode="json"))
    if problems:
        raise RequestValidationError([{"loc": tuple(p.loc), "msg": p.message, "type": p.type} for p in problems])


def page_model(doc_type: str, model: type[Document]) -> type[BaseModel]:
    """The schema of one page of ``doc_type`` documents."""
    return create_model(
        f"{model.__name__}Page",
        items=(list[model], Field(description="Oldest change first.")),  # type: ignore[valid-type]  # the route's document class, a variable
        next_cursor=(str | None, Field(description="Send back as `cursor` for the next page, now or later (new "
                                                   "changes come after it); null when no page was read yet.")),
        more=(bool, Field(description="Whether more documents follow the cursor now.")),
        __doc__=f"A page of {doc_type} documents changed since a time.",
    )


def document_routes(doc_type: str, model: type[Document]) -> APIRouter:
    """The routes of one document type."""
    router = APIRouter(prefix=f"/{doc_type}", tags=[doc_type])
    name = doc_type.replace("_", " ")

    @router.get("/{ident}", response_model=model, operation_id=f"get_{doc_type}", summary=f"Read one {name}",
                responses=responses(not_found=f"No {name} has this id."))
    def read(ident: Ident, client: Reader, hub: Hub) -> Response:
        """The document with its version (also as ETag) and its ids in every system."""
        with hub.reader.connect() as conn:
            document = read_document(conn, doc_type, ident)
        return document_response(document.model_dump(mode="json"), document.version)

    @router.get("", response_model=page_model(doc_type, model), operation_id=f"list_{doc_type}",
                summary=f"List {name} documents changed since a time", responses=responses())
    def list_changed(
        client: Reader, hub: Hub,
        since: Annotated[AwareDatetime | None, Query(description="Changed at or after (ISO 8601 with zone).")] = None,
        cursor: Annotated[str | None, Query(max_length=1000, pattern=PLAIN_TEXT,
                                            description="`next_cursor` of the page before.")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Most documents on the page.")] = 100,
    ) -> Response:
        """Documents of this type in order of their last change, then hub id (merged
        records left out). Follow `next_cursor` to the end and keep it: sent again later,
        it lists what changed since. A document changed between two pages moves to its
        new place and is listed again; a change is listed once it is a few seconds old
        (`[http] api_settle_seconds`, 2 by default: a write still open could otherwise
        commit behind the cursor)."""
        try:
            after = read_cursor(cursor, doc_type) if cursor is not None else None
        except DocumentError as exc:
            raise invalid("query", "cursor", exc.reason) from None
        with hub.reader.connect() as conn:
            rows, end, more = changed_since(conn, doc_type, since, after, limit, utcnow(), hub.settle)
            items = read_many(conn, [row.hub_id for row in rows])
        body = {"items": [item.model_dump(mode="json") for item in items],
                "next_cursor": end.cursor(doc_type) if end else None, "more": more}
        return Response(orjson.dumps(body), media_type="application/json")

    @router.post("", response_model=model, status_code=201, operation_id=f"create_{doc_type}",
                 summary=f"Create a {name}",
                 responses={**responses(), 200: {"model": model, "description": (
                     "Its external ids named a document the hub holds: applied to that one.")}})
    async def create(
        document: Annotated[model, Body()],  # type: ignore[valid-type]  # the route's document class
        client: Writer, hub: Hub, request: Request,
        idempotency_key: Annotated[str, Header(alias="Idempotency-Key", max_length=MAX_KEY_LENGTH, description=(
            "A key of your choosing, new for each new document: the same request again (a retry) gets the "
            "same answer and writes nothing; another request under a key used before gets 422."))],
    ) -> Response:
        """Create the document through master data (source system `api`); every target
        system gets it through its queue, written in the same transaction. The answer
        carries the hub id, the version (also as ETag) and `Location`. `hub_id` and
        `version` are the hub's to give: leave them out. `external_ids` may name the
        document's ids in other systems (`{"system": "crm", "id": "C-1"}`), by which it
        can then be read (`crm:C-1`)."""
        try:
            key = check_key(idempotency_key)
        except DocumentError as exc:
            raise invalid("header", "Idempotency-Key", exc.reason) from None
        refuse_unstorable(document)
        body = await request.body()
        keyed = KeyedRequest(client.key_id, key, "POST", request.url.path, body)
        written = await run_in_threadpool(hub.writes.create, document, keyed)
        headers = {"Location": f"{request.url.path}/{written.hub_id}"}
        if written.replayed:
            headers[REPLAYED] = "true"
        return document_response(written.document, written.version, written.status, headers)

    @router.put("/{ident}", response_model=model, operation_id=f"update_{doc_type}", summary=f"Update a {name}",
                responses=responses(not_found=f"No {name} has this id.",
                                    stale="The document is no longer at the version If-Match names.",
                                    precondition_required="No If-Match header."))
    def update(
        ident: Ident,
        document: Annotated[model, Body()],  # type: ignore[valid-type]  # the route's document class
        client: Writer, hub: Hub,
        if_match: Annotated[str | None, Header(alias="If-Match", description=(
            'The ETag of the version the change is based on (e.g. "3"), or * for any version.'))] = None,
    ) -> Response:
        """Apply the document's fields to the stored one through master data, as any
        source's are (a field a higher-priority source set stays; a field not sent is
        left as it is). Needs If-Match: 428 without it, 412 when the document has moved
        on since that version, and nothing is written."""
        if if_match is None:
            raise ApiRefusal(428, "send If-Match with the ETag of the version this change is based on (or *)",
                             kind="precondition-required")
        versions = if_match_versions(if_match)
        refuse_unstorable(document)
        written = hub.writes.update(doc_type, ident, document, versions)
        return document_response(written.document, written.version)

    return router


def routers() -> list[APIRouter]:
    """The routes of every canonical document type."""
    return [document_routes(doc_type, model) for doc_type, model in DOCUMENT_TYPES.items()]

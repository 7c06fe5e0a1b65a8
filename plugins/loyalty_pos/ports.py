"""The HTTP ports for transactions: ``POST /loyalty_pos/poslog`` and
``POST /loyalty_pos/v1/transactions``.

Both post synchronously and answer with what became of each transaction, because a
store system that sent a day must learn which receipts failed (each fails alone, the
others post; a re-sent day posts nothing twice). POSLog comes from a store's back
office behind the hub's Basic auth; JSON comes from a till with its store's API key,
for its own store only. A JSON body with wrong types gets 422 listing every field
problem before anything is stored; a transaction the mapping refuses (totals that do
not add up) gets 422 with the mapping's reason, and is kept as failed for the
administrator like every refused document.
"""

from __future__ import annotations

import json
from decimal import Decimal

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api import DocumentError, IngestOutcome, receive_payload, route_context, summarise
from plugins.loyalty_pos.problems import FieldIssue, TillProblem, malformed
from plugins.loyalty_pos.settings import PLUGIN
from plugins.loyalty_pos.till.auth import check_store, till_route
from plugins.loyalty_pos.transaction_schema import field_issues

POSLOG_PATH = f"/{PLUGIN}/poslog"
TRANSACTIONS_PATH = f"/{PLUGIN}/v1/transactions"


def _answer(outcome: IngestOutcome) -> dict[str, object]:
    return {"transaction": outcome.document_id, "status": outcome.status, "hub_id": outcome.hub_id,
            "error": outcome.error}


async def _ingest(request: Request, raw: bytes, source: str, content_type: str) -> list[IngestOutcome]:
    context = route_context(request)
    return await run_in_threadpool(lambda: context.ingest(raw, source, content_type))


async def receive_poslog(request: Request) -> Response:
    """Post every transaction of a POSLog document (one or a whole day)."""
    payload = await receive_payload(request)
    try:
        outcomes = await _ingest(request, payload.raw, payload.source, "application/xml")
    except DocumentError as exc:
        return TillProblem(422, "unreadable-poslog", "Unreadable POSLog", str(exc)).response()
    return JSONResponse({"summary": summarise(outcomes), "transactions": [_answer(o) for o in outcomes]})


def _parse(raw: bytes) -> object:
    try:
        return json.loads(raw, parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise malformed(f"the body is not JSON: {exc}") from None


async def _receive_transaction(request: Request, store: str) -> Response:
    """Post one JSON transaction of the calling store."""
    payload = await receive_payload(request)
    body = _parse(payload.raw)
    issues = field_issues(body)
    if issues or not isinstance(body, dict):
        raise malformed(f"{len(issues)} field problem(s) in the transaction", issues)
    check_store(store, str(body["store"]))
    try:
        outcomes = await _ingest(request, payload.raw, f"{payload.source} store {store}", "application/json")
    except DocumentError as exc:
        raise malformed(str(exc), [FieldIssue(exc.field, exc.reason)]) from None
    failed = [o for o in outcomes if o.failed]
    if failed:
        raise malformed(failed[0].error or "refused", [FieldIssue("(transaction)", o.error or "") for o in failed])
    outcome = outcomes[0]
    return JSONResponse(_answer(outcome), status_code=201 if outcome.status == "posted" else 200)


receive_transaction = till_route(_receive_transaction)

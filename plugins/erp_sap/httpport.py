"""The IDoc-XML HTTP port: the ERP POSTs IDoc-XML to the hub (SAP's XML-HTTP port).

The answer comes only after the payload is stored: 200 when every IDoc of it was
archived (posted, failed with status 51 for the administrator, or a harmless
redelivery), 400 when it cannot be read at all (nothing stored; the ERP keeps it and
the error text tells why). Authentication is the hub server's Basic auth; a packet
over the port's size limit (``[plugins.erp_sap] max_body_bytes``, else the server's)
gets 413 before it is read, and nothing is stored.

The same IDocs posted twice at the same moment (an ERP retrying a slow call) race
for the archive's unique dedupe key; the pipeline posts the loser's chunk again, which
then finds those IDocs as duplicates (``hub.core.inbound.pipeline``).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api import DocumentError, IngestOutcome, receive_payload, route_context, summarise
from plugins.erp_sap.settings import PLUGIN

PATH = f"/{PLUGIN}/idoc"


async def receive_idoc(request: Request) -> Response:
    """Ingest the posted IDoc-XML and say what became of each IDoc."""
    context = route_context(request)
    payload = await receive_payload(request)
    content_type = request.headers.get("content-type", "application/xml")

    def ingest() -> list[IngestOutcome]:
        return context.ingest(payload.raw, payload.source, content_type)

    try:
        outcomes = await run_in_threadpool(ingest)
    except DocumentError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse({
        "summary": summarise(outcomes),
        "idocs": [{"docnum": o.document_id, "message_type": o.message_type, "status": o.status,
                   "hub_id": o.hub_id, "error": o.error} for o in outcomes],
    })

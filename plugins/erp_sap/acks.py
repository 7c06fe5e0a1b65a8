"""ALEAUD both ways: acknowledge the ERP's IDocs, and read the ERP's acknowledgements of ours.

Inbound: every IDoc the hub processed is acknowledged with status 53 (posted) or 51
(error, with the error text), in an ALEAUD01 queued in the same transaction as the
postings, so an acknowledgement is never lost and never sent for something that was
rolled back. Outbound: the ERP's ALEAUD names our IDoc numbers, which are the queue
message ids; its status 53 confirms the message, 51 records the ERP's refusal.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa

from hub.core.ingest import ChunkListener, IngestOutcome, MessageHandler
from hub.core.model.base import utcnow
from hub.core.queue.confirm import record_peer_answer
from hub.core.queue.enqueue import enqueue
from hub.core.queue.messages import NewMessage
from hub.core.raw import RawDocument
from plugins.erp_sap.idoc.aleaud import FAILED, POSTED, Acknowledgement, parse_audit
from plugins.erp_sap.settings import PLUGIN, erp_sap_settings

ACK_QUEUE = f"{PLUGIN}:aleaud"
ACK_KIND = "aleaud"
# SAP business object types named in E1PRTOB for what an IDoc became.
OBJECT_TYPES = {"partner": "KNA1", "product": "BUS1001006", "sales_order": "BUS2032", "billing_document": "VBRK"}


def aleaud_handler(runtime: Any) -> MessageHandler:
    """Handler of inbound ALEAUD: the ERP's word on IDocs we sent."""

    def handle(conn: sa.Connection, raw: RawDocument) -> str:
        now = utcnow()
        counts = {"confirmed": 0, "refused": 0, "unknown": 0}
        for ack in parse_audit(raw):
            ok = ack.status == POSTED
            found = ack.docnum.isdigit() and record_peer_answer(
                conn, int(ack.docnum), ok, f"ERP status {ack.status} {ack.text}".strip(), now)
            counts["unknown" if not found else "confirmed" if ok else "refused"] += 1
        return ", ".join(f"{n} {what}" for what, n in counts.items() if n) or "no acknowledgements"

    return handle


def _acknowledgement(raw: RawDocument, outcome: IngestOutcome) -> Acknowledgement:
    if outcome.status == "failed":
        return Acknowledgement(raw.document_id, FAILED, raw.message_type, outcome.error or "not posted")
    text = f"{outcome.doc_type} {outcome.hub_id} version {outcome.version}" if outcome.hub_id else "posted"
    return Acknowledgement(raw.document_id, POSTED, raw.message_type, text,
                           OBJECT_TYPES.get(outcome.doc_type or "", ""), outcome.hub_id or "")


def ack_listener(runtime: Any) -> ChunkListener:
    """Queues one ALEAUD for each ingested chunk of the ERP's IDocs."""
    settings = erp_sap_settings(runtime.settings.plugins.get(PLUGIN, {}))

    def listen(conn: sa.Connection, results: list[tuple[RawDocument, IngestOutcome]]) -> None:
        if not settings.acknowledge:
            return
        acks = [_acknowledgement(raw, outcome) for raw, outcome in results
                if raw.format == "idoc" and raw.message_type != "ALEAUD" and outcome.status != "duplicate"]
        if not acks:
            return
        numbers = ",".join(a.docnum for a in acks)
        enqueue(conn, [NewMessage(
            system=PLUGIN, queue=ACK_QUEUE, kind=ACK_KIND, doc_type=ACK_KIND, hub_id=acks[0].docnum[-40:],
            version=0, payload={"acknowledgements": [asdict(a) for a in acks]},
            idempotency_key=f"{PLUGIN}/aleaud:{hashlib.sha1(numbers.encode()).hexdigest()}", transport="idoc",
        )])

    return listen

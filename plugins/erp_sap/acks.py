"""ALEAUD both ways: acknowledge the ERP's IDocs, and read the ERP's acknowledgements of ours.

Inbound: every IDoc the hub processed is acknowledged with status 53 (posted) or 51
(error, with the error text), in an ALEAUD01 queued in the same transaction as the
postings, so an acknowledgement is never lost and never sent for something that was
rolled back. Outbound: the ERP's ALEAUD names our IDoc numbers, which are the queue
message ids; its status 53 confirms the message, 51 records the ERP's refusal.
"""

from __future__ import annotations

from hub.api import (
    ChunkListener,
    IngestOutcome,
    MessageHandler,
    NewMessage,
    PluginContext,
    PluginTransaction,
    PostedChunk,
    RawDocument,
    new_hub_id,
)
from plugins.erp_sap.edi import edi_sender
from plugins.erp_sap.idoc.aleaud import FAILED, POSTED, Acknowledgement, parse_audit
from plugins.erp_sap.settings import PLUGIN, ErpSapSettings

ACK_QUEUE = f"{PLUGIN}:aleaud"
ACK_KIND = "aleaud"
# SAP business object types named in E1PRTOB for what an IDoc became.
OBJECT_TYPES = {"partner": "KNA1", "product": "BUS1001006", "sales_order": "BUS2032", "billing_document": "VBRK",
                "delivery": "LIKP", "sales_contract": "BUS2034", "service_contract": "BUS2034"}


def erp_number(value: str) -> str:
    """An ERP document number in the key map's form: SAP ALPHA conversion undone
    (``0000004711`` -> ``4711``), as the mapping tables store numbers read inbound."""
    text = value.strip()
    return (text.lstrip("0") or "0") if text.isdigit() else text


def aleaud_handler(context: PluginContext) -> MessageHandler:
    """Handler of inbound ALEAUD: the ERP's word on IDocs we sent.

    Only messages of this plugin can be named (an IDoc number is a queue message id,
    and other systems' messages share that numbering). A posted IDoc that names the
    object it became (E1PRTOB, e.g. the ERP's sales order number) links that number
    to the document in the key map, as the SOAP channel does from its answer.
    """

    def handle(transaction: PluginTransaction, raw: RawDocument) -> str:
        counts = {"confirmed": 0, "refused": 0, "unknown": 0}
        for ack in parse_audit(raw):
            ok = ack.status == POSTED
            message = transaction.sent_message(int(ack.docnum)) if ack.docnum.isdigit() else None
            if message is None:
                counts["unknown"] += 1
                continue
            transaction.record_peer_answer(message.id, ok, _outbound_status(ack))
            counts["confirmed" if ok else "refused"] += 1
            if ok and ack.object_key and ack.object_type == OBJECT_TYPES.get(message.doc_type):
                number = erp_number(ack.object_key)
                if transaction.find(message.doc_type, number) is None:
                    transaction.link(message.doc_type, number, message.hub_id)
        return ", ".join(f"{n} {what}" for what, n in counts.items() if n) or "no acknowledgements"

    return handle


def _outbound_status(ack: Acknowledgement) -> str:
    """Our IDoc's new status in SAP's terms: 41 posted by the ERP, 40 not posted."""
    if ack.status == POSTED:
        return f"status 41: application document created in the ERP (ERP status 53) {ack.text}".strip()
    return f"status 40: application document not created in the ERP (ERP status {ack.status}) {ack.text}".strip()


def _acknowledgement(raw: RawDocument, outcome: IngestOutcome) -> Acknowledgement:
    if outcome.failed:
        return Acknowledgement(raw.document_id, FAILED, raw.message_type, outcome.error or "not posted")
    text = f"{outcome.doc_type} {outcome.hub_id} version {outcome.version}" if outcome.hub_id else "posted"
    return Acknowledgement(raw.document_id, POSTED, raw.message_type, text,
                           OBJECT_TYPES.get(outcome.doc_type or "", ""), outcome.hub_id or "")


def ack_listener(context: PluginContext) -> ChunkListener:
    """Queues one ALEAUD for each ingested chunk of the ERP's IDocs (not for an EDI
    partner's, which the ERP did not send)."""
    settings = context.settings_as(ErpSapSettings)
    partners = settings.edi_partners

    def listen(chunk: PostedChunk) -> None:
        # An initial load reads an extract: the ERP waits for no audit of it.
        if not settings.acknowledge or chunk.origin == "load":
            return
        taken = [(raw, outcome) for raw, outcome in chunk.results
                 # A waiting IDoc is acknowledged when it posts (a replay, so this runs again).
                 if raw.format == "idoc" and raw.message_type != "ALEAUD"
                 and outcome.status not in ("duplicate", "waiting") and edi_sender(partners, raw) is None]
        if not taken:
            return
        acks = [_acknowledgement(raw, outcome) for raw, outcome in taken]
        # One key per acknowledgement message (a replayed IDoc is acknowledged anew); a
        # redelivery of this message keeps the key it is stored with.
        chunk.transaction.enqueue([NewMessage(
            system=PLUGIN, queue=ACK_QUEUE, kind=ACK_KIND, doc_type=ACK_KIND, hub_id=acks[0].docnum[-40:],
            version=0, payload={"acknowledgements": [dict(vars(a)) for a in acks]},
            idempotency_key=f"{PLUGIN}/aleaud:{new_hub_id('ack')}", transport="idoc",
        )])

    return listen

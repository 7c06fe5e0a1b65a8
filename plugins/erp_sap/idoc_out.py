"""Sending IDocs to the ERP: sales orders as ORDERS05 and our ALEAUD acknowledgements.

An outbound IDoc's number is its queue message id, so the ERP's ALEAUD for it leads
straight back to the message. It goes to the ERP's IDoc-XML HTTP port when one is
configured, or is written to the file port's outbound folder atomically (a temporary
name, then a rename), so the ERP never reads half a file.
"""

from __future__ import annotations

import functools
import os
import ssl
import tempfile
from pathlib import Path
from typing import Any

import httpx

from hub.api import (
    DeliveryResult,
    DocumentError,
    NotFoundError,
    OutboundMessage,
    PermanentError,
    PluginContext,
    PluginTransaction,
    RawDocument,
    RetailTransaction,
    TransientError,
    retry_after_seconds,
    utcnow,
    validate_document,
)
from plugins.erp_sap.acks import ACK_KIND
from plugins.erp_sap.idoc.aleaud import Acknowledgement, build_audit
from plugins.erp_sap.idoc.codec import IdocCodecs
from plugins.erp_sap.orders import erp_order
from plugins.erp_sap.pos_idocs import DAILY_KIND, build_wpuums, store_control
from plugins.erp_sap.settings import PLUGIN, ErpSapSettings


def _with_customer_number(transaction: PluginTransaction, hub_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """A partner's data with the ERP's customer number (from the key map) as its erp_sap
    id, when the ERP has one: the DEBMAS then names the customer in KUNNR and changes it,
    where a DEBMAS without KUNNR makes the ERP create another customer."""
    number = transaction.external_id("partner", hub_id)
    return data if number is None else {**data, "external_ids": [{"system": PLUGIN, "id": number}]}


def write_atomically(folder: Path, name: str, content: bytes) -> Path:
    """Write ``content`` as ``folder/name`` so that readers see all of it or nothing."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        target = folder / name
        os.replace(temporary, target)
        return target
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@functools.cache
def _tls() -> ssl.SSLContext:
    """The TLS settings of every IDoc post, made once per process: httpx makes a new one
    for each client, loading the certificate bundle each time, which cost a worker more
    than rendering and posting the IDoc (ALEAUD acknowledgements go out for every IDoc
    the ERP sends)."""
    return httpx.create_ssl_context()


class IdocSender:
    """Delivers rendered IDoc-XML to the ERP's HTTP port or the outbound folder."""

    def __init__(self, settings: ErpSapSettings) -> None:
        self.settings = settings

    def control(self, docnum: str) -> dict[str, str]:
        """Port and partner fields of an outbound control record."""
        s = self.settings
        return {"DOCNUM": docnum, "DIRECT": "1", "SNDPOR": s.sender_port, "SNDPRT": "LS",
                "SNDPRN": s.sender_partner, "RCVPOR": s.receiver_port, "RCVPRT": "LS",
                "RCVPRN": s.receiver_partner}

    def deliver(self, xml: bytes, docnum: str, message_type: str) -> str:
        """Hand one IDoc file over; returns where it went."""
        if self.settings.idoc_url is None:
            path = write_atomically(self.settings.outbound_dir, f"{message_type}_{docnum}.xml", xml)
            return str(path)
        auth = None
        if self.settings.username:
            password = self.settings.password.get_secret_value() if self.settings.password else ""
            auth = (self.settings.username, password)
        try:
            answer = httpx.post(self.settings.idoc_url, content=xml, auth=auth, timeout=self.settings.timeout,
                                headers={"Content-Type": "application/xml"}, trust_env=False, verify=_tls())
        except httpx.HTTPError as exc:
            raise TransientError(f"ERP IDoc port {self.settings.idoc_url}: {type(exc).__name__}: {exc}") from exc
        if answer.status_code >= 500 or answer.status_code in (408, 429):
            raise TransientError(f"ERP IDoc port answered {answer.status_code}: {answer.text[:200]}",
                                 retry_after=retry_after_seconds(answer.headers.get("Retry-After")))
        if answer.status_code >= 400:
            raise PermanentError(f"ERP IDoc port refused IDoc {docnum} ({answer.status_code}): {answer.text[:200]}")
        return self.settings.idoc_url


class IdocTransport:
    """Transport ``idoc``: ORDERS05 for sales orders, DEBMAS for partners, WPUBON for
    receipts, WPUUMS for a store's day, ALEAUD01 for acknowledgements."""

    def __init__(self, context: PluginContext) -> None:
        self._context = context
        settings = context.settings_as(ErpSapSettings)
        self._sender = IdocSender(settings)
        self._codecs = IdocCodecs.from_settings(settings)

    def send(self, message: OutboundMessage) -> DeliveryResult:
        """Render the message as an IDoc and hand it to the ERP.

        A message that cannot be rendered (invalid data, a broken or missing mapping
        table) is refused permanently: sending it again would fail the same way.
        """
        docnum = f"{message.id:016d}"
        try:
            if message.kind == ACK_KIND:
                raw = self._audit(message, docnum)
            elif message.kind == DAILY_KIND:
                raw = build_wpuums(message.payload["totals"], docnum)
            else:
                raw = self._document(message, docnum)
            own: dict[str, str] = {key: raw.control[key] for key in ("SNDPRT", "SNDPRN") if key in raw.control}
            raw.control.update({**self._sender.control(docnum), **own})
            raw.document_id = docnum
            xml = self._codecs.render_xml([raw])
        except (DocumentError, NotFoundError) as exc:
            raise PermanentError(f"{message.doc_type} {message.hub_id}: cannot render IDoc {docnum}: {exc}") from exc
        target = self._sender.deliver(xml, docnum, raw.message_type)
        return DeliveryResult(detail=f"{raw.message_type} IDoc {docnum} passed to {target} (status 03)")

    def _audit(self, message: OutboundMessage, docnum: str) -> RawDocument:
        acks = [Acknowledgement(**a) for a in message.payload["acknowledgements"]]
        return build_audit(acks, docnum, now=utcnow())

    def _document(self, message: OutboundMessage, docnum: str) -> RawDocument:
        with self._context.reading() as transaction:
            if message.doc_type == "sales_order":
                data = erp_order(transaction, message, self._context.settings_as(ErpSapSettings))
            else:
                data = message.payload["data"]
            if message.doc_type == "partner":
                data = _with_customer_number(transaction, message.hub_id, data)
        document = validate_document(message.doc_type, {**data, "hub_id": message.hub_id, "version": message.version},
                                     f"{message.doc_type} {message.hub_id}")
        raw = self._context.render(document)
        if isinstance(document, RetailTransaction):
            raw.control.update(store_control(document.store_id))
        return raw

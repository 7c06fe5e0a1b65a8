"""POS transactions that could not be read, as documents that fail with their reason.

The hub's codec contract is ``parse(payload, source) -> Iterator[RawDocument]``, and an
exception ends it: the whole payload is refused and nothing of it is kept. A day-end
file must not be lost for one bad receipt, so the POSLog codec does not raise for a
transaction it cannot read: it yields, in that transaction's place, a document of
message type ``POSLog.rejected`` holding the file, the transaction, the element and the
reason, and carries on. This plugin's inbound handler for that message type
(``hub_register_inbound``) fails it with exactly that line, so it is archived as
failed like any document the mapping refuses: ``hub ingest`` prints it, ``hub inbound
list --state failed`` lists it, and ``hub inbound replay`` reads its kept payload again
after a fix.

Its dedupe key is its own (``rejected:`` + the transaction + a hash of what was read),
never the transaction's: when the store sends the transaction again, repaired, it
posts, instead of conflicting with a copy that was never a transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from hub.api import DocumentError, MessageHandler, PluginContext, PluginTransaction, RawDocument
from plugins.loyalty_pos.shape import REJECTED, SYSTEM


@dataclass(frozen=True)
class Rejection:
    """Why a transaction was not read: file, transaction, element, reason."""

    source: str
    transaction: str
    element: str
    reason: str

    def error(self) -> DocumentError:
        """The one-line error: ``FILE transaction ID: field 'ELEMENT': REASON``."""
        return DocumentError(f"{self.source} transaction {self.transaction}", self.element, self.reason)


def rejected_document(rejection: Rejection, document_id: str, payload: bytes) -> RawDocument:
    """The document that stands for an unreadable transaction; ``payload`` is what was read of it."""
    digest = hashlib.sha256(payload).hexdigest()[:16]
    return RawDocument(SYSTEM, REJECTED, document_id, "json", asdict(rejection), {}, rejection.source, payload,
                       f"rejected:{document_id}:{digest}")


def rejected_handler(context: PluginContext) -> MessageHandler:
    """The inbound handler of ``POSLog.rejected`` (its factory): it fails every such
    document with the rejection it carries, writing nothing."""

    def fail(transaction: PluginTransaction, raw: RawDocument) -> str:
        raise Rejection(**raw.body).error()

    return fail

"""Writing canonical documents through the REST API: the master-data service and the
outbox, in one transaction, as every plugin's input is written.

The API is one more source system, ``api``: its fields take part in the golden record
by ``[source_priority]`` like any other source's, a change that changes nothing makes
no version and no message, and every real change is queued to each target system in
the transaction that writes it. A create's idempotency key is kept in that
transaction too (``hub.core.restapi.idempotency``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.core.errors import DocumentError, StaleUpdateError
from hub.core.masterdata import Incoming, MasterDataService
from hub.core.masterdata.document_view import resolve_document
from hub.core.model.base import Document, utcnow
from hub.core.plugins.contracts import WriteRule
from hub.core.plugins.transaction import PluginTransaction
from hub.core.restapi.idempotency import KeyedRequest, Remembered, recall, remember
from hub.core.restapi.reads import read_many
from hub.core.store import documents
from hub.core.store.races import lost_race

API_SYSTEM = "api"
"""The source system of everything written through the REST API."""
RACE_ATTEMPTS = 3


@dataclass(frozen=True)
class Written:
    """The answer to a write: HTTP status, the document as stored now (JSON-ready), and
    whether it is the answer kept from an earlier request with the same idempotency key."""

    status: int
    document: dict[str, Any]
    hub_id: str
    version: int
    replayed: bool = False


class ApiWrites:
    """Creates and updates of canonical documents, as the REST API makes them.

    ``rules``: per document type, the plugins' rules over updates (``WriteRuleSpec``),
    run in the update's transaction with the plugin's transaction, before it is stored.
    """

    def __init__(self, engine: sa.Engine, masterdata: MasterDataService,
                 rules: Mapping[str, Sequence[tuple[str, WriteRule]]] | None = None) -> None:
        self.engine = engine
        self.masterdata = masterdata
        self._rules = dict(rules or {})

    def create(self, document: Document, request: KeyedRequest) -> Written:
        """Create ``document`` (or, when its external ids name a document the hub holds,
        apply it to that one, as any source's input is) under ``request``'s idempotency key.

        The same request again answers as the first time and writes nothing; another
        request under the same key raises IdempotencyKeyReused and writes nothing.
        """
        if document.hub_id is not None:
            raise DocumentError(f"new {document.doc_type}", "hub_id", "is assigned by the hub; leave it out")
        if document.version:
            raise DocumentError(f"new {document.doc_type}", "version", "is assigned by the hub; leave it out")
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                with self.engine.begin() as conn:
                    earlier = recall(conn, request)
                    if earlier is not None:
                        return _replayed(earlier)
                    result = self.masterdata.upsert_in(conn, [Incoming(document, API_SYSTEM)])[0]
                    stored = read_many(conn, [result.hub_id])[0]
                    body = stored.model_dump(mode="json")
                    answer = Remembered(201 if result.created else 200, body, result.hub_id)
                    remember(conn, request, answer, utcnow())
                    return Written(answer.status, body, result.hub_id, stored.version)
            except sa.exc.DBAPIError as exc:
                # Another request took the same idempotency key (or created the same
                # external id) at the same moment, or a deadlock aborted this one; it is
                # rolled back whole, and run again it finds what the other wrote.
                if attempt == RACE_ATTEMPTS or not lost_race(exc):
                    raise
        raise AssertionError("unreachable")

    def update(self, doc_type: str, ident: str, document: Document, versions: Collection[int] | None) -> Written:
        """Apply ``document`` to the ``doc_type`` document ``ident`` names, if its stored
        version is one of ``versions`` (None: whatever it is); StaleUpdateError otherwise,
        and nothing is written. The body's ``version`` is the store's bookkeeping, as on a
        read, and is not looked at: ``versions`` (the If-Match) says what the change is based on."""
        with self.engine.begin() as conn:
            hub_id = resolve_document(conn, ident, [doc_type])
            where = f"{doc_type} {hub_id}"
            if document.hub_id is not None and document.hub_id != hub_id:
                raise DocumentError(where, "hub_id", f"is {document.hub_id!r}, but the path names {hub_id!r}; leave"
                                    " it out or give the same")
            expected = None
            if versions is not None:
                expected = documents.get(conn, hub_id).version
                if expected not in versions:
                    raise StaleUpdateError(hub_id, min(versions, default=0), expected)
            sent = document.model_copy(update={"hub_id": hub_id})
            rules = self._rules.get(doc_type, ())
            if rules:
                stored_before = read_many(conn, [hub_id])[0]
                for plugin, rule in rules:
                    sent = rule(PluginTransaction(plugin, conn, self.masterdata), stored_before, sent)
            incoming = Incoming(sent, API_SYSTEM, expected_version=expected)
            result = self.masterdata.upsert_in(conn, [incoming])[0]
            stored = read_many(conn, [result.hub_id])[0]
        return Written(200, stored.model_dump(mode="json"), result.hub_id, stored.version)


def _replayed(earlier: Remembered) -> Written:
    version = earlier.response.get("version")
    return Written(earlier.status, earlier.response, earlier.hub_id or "", version if isinstance(version, int) else 0,
                   replayed=True)

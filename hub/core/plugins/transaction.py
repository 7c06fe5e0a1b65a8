"""What a plugin may do inside one database transaction of the hub.

A ``PluginTransaction`` is handed to a plugin wherever its work must commit together
with the hub's: a message handler and a chunk listener inside the chunk that posts the
documents, a subscription inside the delivery of a canonical change, a polling job
that advances its cursor with the page it ingested. Everything it offers runs on that
one transaction, so it all commits or none of it does.

It is scoped to its plugin: the state it reads and writes is the plugin's own, the key
map links it makes are in the plugin's system, the queue messages it looks up were
sent to that system.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from hub.core.errors import NotFoundError
from hub.core.masterdata import Incoming, MasterDataService, UpsertResult
from hub.core.masterdata.matchkeys import holders, profiles
from hub.core.masterdata.service import load, load_many
from hub.core.model.base import Document, utcnow
from hub.core.queue.confirm import record_peer_answer
from hub.core.queue.messages import NewMessage
from hub.core.queue.outbox import enqueue
from hub.core.queue.tables import messages
from hub.core.store import keymap, plugin_state
from hub.core.store.plugin_state import JsonValue


@dataclass(frozen=True)
class SentMessage:
    """A queue message the plugin's system was sent: which document it carried."""

    id: int
    doc_type: str
    hub_id: str
    version: int


_SENT = sa.select(messages.c.id, messages.c.doc_type, messages.c.hub_id, messages.c.version).where(
    messages.c.id == sa.bindparam("b_id"), messages.c.system == sa.bindparam("b_system"))


class PluginTransaction:
    """One open transaction, seen from one plugin (see the module docstring)."""

    def __init__(self, plugin: str, connection: sa.Connection, masterdata: MasterDataService) -> None:
        self.plugin = plugin
        self._conn = connection
        self._masterdata = masterdata

    @property
    def connection(self) -> sa.Connection:
        """The SQLAlchemy connection of the transaction, for a plugin's own queries on
        the hub's tables through this very transaction (prefer the methods here)."""
        return self._conn

    def state(self, name: str) -> JsonValue:
        """The value this plugin keeps under ``name`` (a polling cursor...), or None."""
        return plugin_state.read(self._conn, self.plugin, name)

    def set_state(self, values: Mapping[str, JsonValue]) -> None:
        """Keep ``values`` (name -> JSON value; None removes the name), committed with the transaction."""
        plugin_state.write(self._conn, self.plugin, values)

    def enqueue(self, new_messages: Sequence[NewMessage]) -> int:
        """Put messages into their queues, committed with the transaction (the outbox)."""
        return enqueue(self._conn, new_messages)

    def find(self, object_type: str, external_id: str, system: str | None = None) -> str | None:
        """The hub id that ``external_id`` of ``object_type`` in ``system`` (default: this
        plugin's) stands for, or None."""
        return keymap.lookup(self._conn, system or self.plugin, object_type, external_id)

    def external_id(self, object_type: str, hub_id: str, system: str | None = None) -> str | None:
        """The id ``system`` (default: this plugin's) has for ``hub_id``, or None."""
        return keymap.reverse_lookup(self._conn, system or self.plugin, object_type, hub_id)

    def link(self, object_type: str, external_id: str, hub_id: str) -> bool:
        """Record that this plugin's system knows ``hub_id`` as ``external_id``; False
        when it was recorded already. Raises KeyConflictError when the id stands for
        another document."""
        return keymap.link(self._conn, keymap.ExternalKey(self.plugin, object_type, external_id), hub_id)

    def partners_with_email(self, email: str) -> list[str]:
        """Hub ids (sorted) of the partners whose golden record has ``email`` (any case),
        merged ones left out: how a system that knows a customer only by e-mail (a
        sign-up form, a till) finds the partner another system made.

        It reads the duplicate check's e-mail keys, so it costs one indexed query; a
        partner written with the duplicate check off (``hub load --no-duplicate-check``)
        has no keys until its next change, and is not found before.
        """
        wanted = email.strip().lower()
        found = holders(self._conn, [("email", wanted)]).get(("email", wanted), set())
        return sorted(hub_id for hub_id, profile in profiles(self._conn, found).items() if wanted in profile.emails)

    def document(self, hub_id: str) -> Document:
        """The golden record of ``hub_id`` (NotFoundError when there is none)."""
        return load(self._conn, hub_id)

    def documents(self, hub_ids: Sequence[str]) -> dict[str, Document]:
        """The golden records of ``hub_ids`` that exist, by hub id, read together (a batch
        job's documents in two queries instead of two per document)."""
        return load_many(self._conn, hub_ids)

    def upsert(self, documents: Sequence[Document]) -> list[UpsertResult]:
        """Write canonical documents from this plugin's system through master data: the
        golden record, its history and the messages to every other system."""
        return self._masterdata.upsert_in(self._conn, [Incoming(d, self.plugin) for d in documents])

    def sent_message(self, message_id: int) -> SentMessage | None:
        """The queue message ``message_id`` if it was sent to this plugin's system."""
        row = self._conn.execute(_SENT, {"b_id": message_id, "b_system": self.plugin}).first()
        return None if row is None else SentMessage(row.id, row.doc_type, row.hub_id, row.version)

    def record_peer_answer(self, message_id: int, ok: bool, detail: str) -> None:
        """Record the peer's own word on a message this system was sent: ``ok`` confirms
        it, otherwise ``detail`` is kept as the peer's refusal (``hub message show``)."""
        if self.sent_message(message_id) is None:
            raise NotFoundError(f"no message {message_id} was sent to {self.plugin}")
        record_peer_answer(self._conn, message_id, ok, detail, utcnow())

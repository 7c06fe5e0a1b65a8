"""Tables of the foundation: documents and their history, key map, inbound archive,
partner match keys, load runs, plugin state. (The queue's tables live with the queue;
``hub.core.store.schema`` gathers every table module.)

Defined with SQLModel so rows can be read as typed objects; hot paths use the Core
``Table`` (``DocumentRow.__table__``) for bulk statements. Every change here needs a
migration in ``migrations/versions`` (a test compares the two).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from hub.core.store.types import JSONColumn, UTCDateTime

metadata = SQLModel.metadata

JSON_OR_NULL = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
"""Like ``JSONColumn``, but Python None is stored as SQL NULL rather than JSON ``null``."""


class DocumentRow(SQLModel, table=True):
    """The current golden record of one canonical document."""

    __tablename__ = "documents"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker
    # One type's documents in order of change: the REST API's keyset listing.
    __table_args__ = (sa.Index("ix_documents_changed", "doc_type", "updated_at", "hub_id"),)

    hub_id: str = Field(primary_key=True, max_length=40)
    doc_type: str = Field(max_length=40, index=True)
    version: int
    data: dict[str, Any] = Field(sa_column=sa.Column(JSONColumn, nullable=False))
    field_sources: dict[str, Any] = Field(
        sa_column=sa.Column(JSONColumn, nullable=False),
        description="Per top-level field, the system whose value the golden record holds.",
    )
    merged_into: str | None = Field(default=None, max_length=40, index=True)
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class DocumentVersionRow(SQLModel, table=True):
    """One version of a document: its full content and what changed, from which system."""

    __tablename__ = "document_versions"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker
    __table_args__ = (sa.UniqueConstraint("hub_id", "version", name="uq_document_versions"),)

    id: int | None = Field(default=None, primary_key=True)
    hub_id: str = Field(max_length=40)
    version: int
    doc_type: str = Field(max_length=40)
    data: dict[str, Any] = Field(sa_column=sa.Column(JSONColumn, nullable=False))
    changes: dict[str, Any] | None = Field(
        sa_column=sa.Column(JSON_OR_NULL, nullable=True),
        description="Per changed top-level field, old and new value. NULL for a create: its "
        "changes are all of its data (``documents.created_changes``), stored once, not twice.",
    )
    source_system: str = Field(max_length=40)
    changed_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class KeyMapRow(SQLModel, table=True):
    """Cross-reference: (system, object type, external id) <-> hub id."""

    __tablename__ = "key_map"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker

    system: str = Field(primary_key=True, max_length=40)
    object_type: str = Field(primary_key=True, max_length=40)
    external_id: str = Field(primary_key=True, max_length=120)
    hub_id: str = Field(max_length=40, index=True)
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class InboundPayloadRow(SQLModel, table=True):
    """Every inbound payload exactly as received, with its dedupe key."""

    __tablename__ = "inbound_payloads"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker
    __table_args__ = (
        # One original per key; conflicting versions (other content, same key) once each.
        sa.Index("uq_inbound_original", "system", "dedupe_key", unique=True,
                 sqlite_where=sa.text("conflict_of IS NULL"), postgresql_where=sa.text("conflict_of IS NULL")),
        sa.Index("uq_inbound_conflict", "system", "dedupe_key", "content_hash", unique=True,
                 sqlite_where=sa.text("conflict_of IS NOT NULL"),
                 postgresql_where=sa.text("conflict_of IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=40)
    document_kind: str = Field(max_length=60)
    dedupe_key: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    content_hash: str | None = Field(
        default=None, max_length=64,
        description="SHA-256 of the payload: the same key with another hash is a conflict, not a duplicate.")
    conflict_of: int | None = Field(
        default=None, description="For a conflicting version: the id of the first payload received with its key.")
    payload: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    status: str = Field(max_length=20, index=True)
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    duplicates: int = Field(default=0)
    received_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False, index=True))
    history: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=sa.Column(JSONColumn, nullable=False, server_default="[]"),
        description="Status records: status, SAP-style code, text, time.",
    )
    hub_id: str | None = Field(default=None, max_length=40, description="The document it became.")
    mapping: str | None = Field(default=None, max_length=200, description="Mapping file@version used.")
    wait_system: str | None = Field(default=None, max_length=40,
                                    description="A waiting document: the system of the object it waits for.")
    wait_object_type: str | None = Field(default=None, max_length=40, description="... that object's type.")
    wait_external_id: str | None = Field(default=None, max_length=120, description="... and its id there.")
    waiting_since: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))


class PartnerMatchKeyRow(SQLModel, table=True):
    """Blocking keys of a partner for the duplicate check (normalised name+address,
    e-mail, VAT number, name tokens), each stored as a 64-bit hash of kind and key.

    An index of integers is a fraction of the size of one of the key texts, so adding
    a partner's keys writes few pages; a rare collision only adds a candidate, which the
    score then judges (``hub.core.masterdata.matchkeys.key_hash``).
    """

    __tablename__ = "partner_match_keys"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker

    id: int | None = Field(default=None, primary_key=True)
    hub_id: str = Field(max_length=40, index=True)
    key_hash: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False, index=True))


class LoadRunRow(SQLModel, table=True):
    """Progress of one initial load, committed with each chunk so a crash resumes exactly."""

    __tablename__ = "load_runs"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker

    key: str = Field(primary_key=True, max_length=300, description="Plugin, object and source identity.")
    system: str = Field(max_length=40)
    object_name: str = Field(max_length=40)
    source: str = Field(max_length=500)
    done: int = Field(default=0, description="Documents taken in so far (in source order).")
    failed: int = Field(default=0)
    status: str = Field(max_length=20)
    error: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    started_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))



class PluginStateRow(SQLModel, table=True):
    """A small named value one plugin keeps (a polling cursor, say), written in the same
    transaction as what it describes (``hub.core.store.plugin_state``)."""

    __tablename__ = "plugin_state"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker

    plugin: str = Field(primary_key=True, max_length=40)
    name: str = Field(primary_key=True, max_length=120)
    value: Any = Field(sa_column=sa.Column(JSONColumn, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class SubscriptionReceiptRow(SQLModel, table=True):
    """A canonical change a plugin subscription applied, by the message's idempotency key,
    written in the same transaction as what the subscription did: a redelivery of the
    message finds it and applies nothing twice (``hub.core.plugins.subscriptions``)."""

    __tablename__ = "subscription_receipts"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker

    subscription: str = Field(primary_key=True, max_length=120)
    idempotency_key: str = Field(primary_key=True, max_length=200)
    applied_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False, index=True))


class InboxRow(SQLModel, table=True):
    """A payload a route accepted and answered at once, waiting for the inbox poster
    (``hub.core.inbound.inbox``); deleted in the transaction that posts it."""

    __tablename__ = "inbound_inbox"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                                          autoincrement=True))
    system: str = Field(max_length=40)
    source: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    payload: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    received_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))


class DocumentSourceTimeRow(SQLModel, table=True):
    """The source's own modification time of the newest version applied from it, per
    document (``hub.core.store.source_times``)."""

    __tablename__ = "document_source_times"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker

    hub_id: str = Field(primary_key=True, max_length=40)
    system: str = Field(primary_key=True, max_length=40)
    modified_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))

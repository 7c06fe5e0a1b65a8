"""Tables of the REST API: client keys and idempotency keys.

``rest_api_keys`` is not the loyalty plugin's ``loyalty_api_keys`` (a till's key for its
store): these keys open ``/api/v1`` with a scope. Every change here needs a migration
(a test compares the two).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.core.store.types import JSONColumn, UTCDateTime


class RestApiKeyRow(SQLModel, table=True):
    """One client key of the REST API; the key itself is never stored, only its SHA-256."""

    __tablename__ = "rest_api_keys"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker
    __table_args__ = (sa.Index("ix_rest_api_keys_key_hash", "key_hash", unique=True),)

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=80, description="Who or what holds the key, as the administrator named it.")
    scope: str = Field(max_length=10, description="read, write or admin; each includes the ones before it.")
    key_hash: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))


class IdempotencyKeyRow(SQLModel, table=True):
    """A create sent with an ``Idempotency-Key``: what was asked, and what was answered.

    Keys belong to one API key (two clients may pick the same key without colliding).
    The row is written in the transaction that writes the document, so either both
    are kept or neither is.
    """

    __tablename__ = "api_idempotency_keys"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker
    __table_args__ = (sa.UniqueConstraint("api_key_id", "idempotency_key", name="uq_api_idempotency_keys"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: str = Field(max_length=40)
    idempotency_key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64, description="SHA-256 of method, path and body.")
    method: str = Field(max_length=10)
    path: str = Field(max_length=300)
    request: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False),
                           description="The body as received, for audit.")
    status: int
    response: dict[str, Any] = Field(sa_column=sa.Column(JSONColumn, nullable=False))
    hub_id: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False, index=True))


api_keys = RestApiKeyRow.__table__
idempotency_keys = IdempotencyKeyRow.__table__

"""The import state of lists: one row per list, one per row of its file.

Written in the same transaction as the partners each batch creates or links, with the
list's cursor (how many rows of the file are done): a run killed at any moment
resumes at the cursor, and the rows before it are never imported twice.
(``hub.core.store.schema`` gathers these with every other table; migration 0018.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.core.store.tables import JSON_OR_NULL
from hub.core.store.types import UTCDateTime


class ListImportRow(SQLModel, table=True):
    """One list: the file it is read from, with which format, how far, and its counts."""

    __tablename__ = "list_imports"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker

    name: str = Field(primary_key=True, max_length=120)
    format: str = Field(max_length=120)
    system: str = Field(max_length=40, description="The format's system: the keys are partner ids there.")
    file: str = Field(max_length=1000)
    file_size: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    file_sha256: str = Field(max_length=64, description="The file's content: a rerun must read the same file.")
    status: str = Field(max_length=20, description="running, or completed when every row is done.")
    cursor: int = Field(default=0, description="Rows of the file done (in file order, blank rows not counted).")
    last_row: int = Field(default=1, description="Row number of the last row done (the header is row 1).")
    created: int = Field(default=0)
    linked: int = Field(default=0)
    review: int = Field(default=0)
    failed: int = Field(default=0)
    seconds: float = Field(default=0.0, description="Time spent importing, over every run.")
    started_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))


class ListImportRowRow(SQLModel, table=True):
    """One row of a list file and what became of it."""

    __tablename__ = "list_import_rows"
    __table__: ClassVar[sa.Table]  # set by SQLModel (table=True); declared for the type checker
    __table_args__ = (
        sa.Index("ix_list_import_rows_key", "list_name", "key"),
        sa.Index("ix_list_import_rows_outcome", "list_name", "outcome"),
    )

    list_name: str = Field(primary_key=True, max_length=120)
    row: int = Field(primary_key=True, description="Row number in the file (the header is row 1).")
    key: str | None = Field(default=None, max_length=120)
    outcome: str = Field(max_length=10, description="created, linked, review or failed.")
    hub_id: str | None = Field(default=None, max_length=40, description="The partner the row created or joined.")
    matched_hub_id: str | None = Field(default=None, max_length=40,
                                       description="Linked and review rows: the partner the check matched.")
    score: float | None = Field(default=None, description="... and the match's score.")
    problems: list[Any] | None = Field(
        default=None, sa_column=sa.Column(JSON_OR_NULL, nullable=True),
        description="[column, reason, action] of each problem: the row failed, or lost a value.")
    data: dict[str, Any] | None = Field(
        default=None, sa_column=sa.Column(JSON_OR_NULL, nullable=True),
        description="A row waiting for review: the partner it maps to, created or linked when decided.")
    decided_at: datetime | None = Field(default=None, sa_column=sa.Column(UTCDateTime, nullable=True))


lists = ListImportRow.__table__
list_rows = ListImportRowRow.__table__

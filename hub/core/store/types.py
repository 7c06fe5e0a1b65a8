"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from hub.core.store.datetimes import UTCDateTime

__all__ = ["JSONColumn", "UTCDateTime"]

JSONColumn = sa.JSON().with_variant(JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL."""

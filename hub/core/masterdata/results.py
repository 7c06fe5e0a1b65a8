"""What goes into the master-data service and what comes out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.core.masterdata.duplicates import DuplicateCandidate, PartnerProfile
from hub.core.model.base import Document


@dataclass(frozen=True, slots=True)
class Prepared:
    """What a caller made of a partner document already: its business data (exactly
    ``document.business_data()``) and the match profile of that data. The upsert takes
    them instead of making them again: the list import builds both to match a row, and
    making them was a third of its matching time."""

    data: dict[str, Any]
    profile: PartnerProfile


@dataclass(frozen=True, slots=True)
class Incoming:
    """A canonical document as one source system sent it.

    ``external_id`` is its id in ``source_system``; ``expected_version`` is set for
    edits based on a version read earlier (a newer stored version refuses the edit);
    ``source_time`` is the source's own modification time of this version, when it
    stamps its objects: a version not newer than the newest applied from that source is
    recorded as stale and changes nothing. ``prepared``: the document's data and match
    profile, when the caller made them (see ``Prepared``).
    """

    document: Document
    source_system: str
    external_id: str | None = None
    expected_version: int | None = None
    source_time: datetime | None = None
    prepared: Prepared | None = None


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What happened to one incoming document."""

    hub_id: str
    doc_type: str
    version: int
    created: bool
    changed: bool
    changes: Mapping[str, Any] = field(default_factory=dict)
    """Per changed top-level field, old and new value (a create's are made when first read)."""
    duplicates: tuple[DuplicateCandidate, ...] = ()
    stale: bool = False
    """The source sent a version older than (or as old as) the newest applied from it:
    recorded, not applied."""


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """Two stored partners that are probably one."""

    hub_id: str
    other_hub_id: str
    score: float
    reasons: tuple[str, ...]

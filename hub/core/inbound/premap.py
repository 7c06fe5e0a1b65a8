"""Mapping inbound documents ahead of the transaction that posts them.

An ingest worker (``hub.core.inbound.pool``) maps a payload's documents while another
worker holds the turn to write. Mapping reads the key map (the hub id of the customer
an order names), and the key map may change before the documents post: an earlier
payload may create that customer. So each mapping made ahead remembers every lookup it
made and the answer it got, and the posting transaction asks the same lookups again.
Where every answer is the same, the mapping is what mapping inside the transaction
would give, since a mapping table reads nothing else from the store, and it is used;
where one differs, the document is mapped again inside the transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from hub.core.errors import HubError
from hub.core.inbound.lookup import ChunkLookup
from hub.core.mapping import Lookup, MappingResult, MappingSet
from hub.core.mapping.keys import LookupKey
from hub.core.raw import RawDocument


@dataclass(frozen=True, slots=True)
class Premapped:
    """One document mapped ahead: the result or the refusal, and the lookups behind it."""

    result: MappingResult | None
    error: HubError | None
    lookups: dict[LookupKey, str | None]

    def still_holds(self, lookup: Lookup) -> bool:
        """Whether ``lookup`` (the posting transaction's) answers every lookup as before."""
        return all(lookup(*key) == answer for key, answer in self.lookups.items())

    def outcome(self) -> MappingResult:
        """The mapping result, or the refusal raised again."""
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class RecordingLookup:
    """A lookup that notes each key it is asked and the answer it gave."""

    __slots__ = ("lookup", "used")

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup
        self.used: dict[LookupKey, str | None] = {}

    def __call__(self, system: str, object_type: str, external_id: str) -> str | None:
        answer = self.lookup(system, object_type, external_id)
        self.used[(system, object_type, external_id)] = answer
        return answer


def premap(conn: sa.Connection, mappings: MappingSet, documents: Sequence[RawDocument],
           skip_types: Collection[str]) -> list[Premapped | None]:
    """Map every document whose message type is not in ``skip_types``, reading the key
    map through ``conn``; ``None`` for the skipped ones."""
    lookup = ChunkLookup(conn)
    lookup.prefetch(key for raw in documents if raw.message_type not in skip_types
                    for key in mappings.lookup_keys(raw))
    mapped: list[Premapped | None] = []
    for raw in documents:
        if raw.message_type in skip_types:
            mapped.append(None)
            continue
        recorder = RecordingLookup(lookup)
        try:
            mapped.append(Premapped(mappings.map_inbound(raw, recorder, report_unmapped=False), None, recorder.used))
        except HubError as exc:
            mapped.append(Premapped(None, exc, recorder.used))
    return mapped

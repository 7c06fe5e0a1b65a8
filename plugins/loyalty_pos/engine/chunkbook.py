"""A posted chunk's ledger work, written together.

A day file's chunk settles hundreds of receipts. One by one, each credit cost five
statements (lock the account, the entry, the balance, the lot, the line shares) and
the tier check after it one more (the member's qualifying points over the rolling
period). The book keeps the chunk's credits until the ledger must be read as it
stands (a return reverses what a receipt earned, perhaps one of this very chunk) or
the chunk ends, then writes them with ``ledger.credit_many``; and it answers the tier
checks from the qualifying points read once for the chunk's members, plus what the
chunk posted for them since, so each check sees what the ledger would show it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from hub.api import LoyaltyProgramme
from plugins.loyalty_pos.engine.ledger import Credit, Entry, credit_many
from plugins.loyalty_pos.engine.members import Member
from plugins.loyalty_pos.engine.tiers import months_before
from plugins.loyalty_pos.store.tables import ledger, line_points

_IN_BATCH = 900
"""Members in one ``IN (...)``."""

Account = tuple[str, str]
"""(member id, point type)."""


@dataclass
class _Window:
    """Qualifying points of the loaded members for one rolling period: everything since
    ``latest`` summed, and the entries from ``earliest`` to ``latest`` one by one, so
    that the sum since any moment in between is exact."""

    earliest: dt.datetime
    latest: dt.datetime
    base: dict[Account, int] = field(default_factory=lambda: defaultdict(int))
    band: dict[Account, list[tuple[dt.datetime, int]]] = field(default_factory=lambda: defaultdict(list))


class ChunkBook:
    """The ledger work of one chunk's receipts, on ``conn`` (see the module docstring).
    ``moments``: the times the chunk's tier checks may ask about (its receipts' ends)."""

    def __init__(self, conn: sa.Connection, programme: LoyaltyProgramme, moments: Sequence[dt.datetime]) -> None:
        self._conn = conn
        self._naive = conn.dialect.name == "sqlite"  # SQLite keeps the wall-clock time, without its offset
        self._types = sorted({rule.point_type for tier in programme.tiers for rule in tier.qualification})
        months = {rule.period_months for tier in programme.tiers for rule in tier.qualification}
        self._windows = [_Window(self._key(months_before(min(moments), m)), self._key(months_before(max(moments), m)))
                         for m in sorted(months)] if moments else []
        self._loaded: set[str] = set()
        self._since_loaded: dict[Account, list[tuple[dt.datetime, int]]] = defaultdict(list)
        self._pending: list[tuple[Credit, list[dict[str, object]]]] = []
        self._pending_receipts: set[str] = set()
        self._pending_members: set[str] = set()
        self.members: dict[str, Member] = {}
        """Members whose tier a receipt of the chunk moved, as they are now."""

    def _key(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` as the database compares it."""
        return moment.replace(tzinfo=None) if self._naive else moment

    def load(self, member_ids: Iterable[str]) -> None:
        """Read the qualifying points of ``member_ids`` (those not read yet) for every
        window; their entries posted from now on are counted as they are posted."""
        wanted = sorted(set(member_ids) - self._loaded)
        if not wanted or not self._windows:
            return
        self.flush()
        qualifying = ledger.c.qualifying & ledger.c.point_type.in_(self._types)
        for start in range(0, len(wanted), _IN_BATCH):
            batch = ledger.c.member_id.in_(wanted[start:start + _IN_BATCH]) & qualifying
            for window in self._windows:
                summed = sa.select(ledger.c.member_id, ledger.c.point_type, sa.func.sum(ledger.c.points)).where(
                    batch & (ledger.c.occurred_at >= window.latest)).group_by(ledger.c.member_id, ledger.c.point_type)
                for member, kind, points in self._conn.execute(summed):
                    window.base[(member, kind)] += int(points)
                band = sa.select(ledger.c.member_id, ledger.c.point_type, ledger.c.occurred_at, ledger.c.points).where(
                    batch & (ledger.c.occurred_at >= window.earliest) & (ledger.c.occurred_at < window.latest))
                for member, kind, moment, points in self._conn.execute(band):
                    window.band[(member, kind)].append((self._key(moment), int(points)))
        self._loaded.update(wanted)

    def credit(self, item: Credit, shares: list[dict[str, object]]) -> None:
        """A credit to write with the others; ``shares``: its line points (rows of
        ``loyalty_line_points`` but for the ledger id, which the write gives)."""
        self._pending.append((item, shares))
        self._pending_members.add(item.entry.member_id)
        if item.entry.receipt is not None:
            self._pending_receipts.add(item.entry.receipt)
        self.posted(item.entry)

    def flush_for(self, receipts: Iterable[str] = (), member_ids: Iterable[str] = ()) -> None:
        """Write the kept credits if the ledger is about to be read for one of
        ``receipts`` (keys, or LIKE patterns with ``%`` where the till did not say) or
        debited from one of ``member_ids``: a return of a receipt posted before, by
        another member, leaves this chunk's credits waiting."""
        if not self._pending:
            return
        if any(member in self._pending_members for member in member_ids) or any(
                _matches(pattern, self._pending_receipts) for pattern in receipts):
            self.flush()

    def posted(self, entry: Entry) -> None:
        """Count an entry posted in this chunk (a credit here, or a debit posted directly)."""
        if entry.qualifying and entry.member_id in self._loaded:
            self._since_loaded[(entry.member_id, entry.point_type)].append((self._key(entry.occurred_at),
                                                                            entry.points))

    def flush(self) -> None:
        """Write the credits kept so far, with their line points."""
        if not self._pending:
            return
        ids = credit_many(self._conn, [item for item, _ in self._pending])
        rows = [{**share, "ledger_id": ledger_id}
                for (_, shares), ledger_id in zip(self._pending, ids, strict=True) for share in shares]
        if rows:
            self._conn.execute(line_points.insert(), rows)
        self._pending.clear()
        self._pending_receipts.clear()
        self._pending_members.clear()

    def qualifying(self, member_id: str, point_type: str, since: dt.datetime) -> int:
        """The member's qualifying points of ``point_type`` since ``since``, as the ledger
        would sum them with this chunk's credits written (``tiers.QualifyingSum``)."""
        self.load([member_id])
        key, account = self._key(since), (member_id, point_type)
        window = next((w for w in self._windows if w.earliest <= key <= w.latest), None)
        if window is None or member_id not in self._loaded or point_type not in self._types:
            self.flush()
            total = self._conn.execute(sa.select(sa.func.coalesce(sa.func.sum(ledger.c.points), 0)).where(
                (ledger.c.member_id == member_id) & (ledger.c.point_type == point_type) & ledger.c.qualifying
                & (ledger.c.occurred_at >= since))).scalar_one()
            return int(total)
        return (window.base.get(account, 0) + sum(p for moment, p in window.band.get(account, ()) if moment >= key)
                + sum(p for moment, p in self._since_loaded.get(account, ()) if moment >= key))


def _matches(pattern: str, receipts: set[str]) -> bool:
    """Whether ``pattern`` may name one of ``receipts`` as the database would match it
    (a LIKE where it has ``%``, ``_`` a wildcard too, and any case, as SQLite compares:
    matching too much only writes the credits earlier)."""
    if "%" not in pattern:
        return pattern in receipts
    like = re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern),
                      re.IGNORECASE | re.DOTALL)
    return any(like.fullmatch(receipt) for receipt in receipts)

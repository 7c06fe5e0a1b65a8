"""``hub loyalty check``: the proof that balances are what the ledger says.

For every account: the kept balance equals the sum of its ledger entries, and its lots
hold exactly the balance (nothing, while the balance is a debt). Ledger entries of an
account that has no row are reported too. Anything found is a bug or a hand edit of
the database; the command exits non-zero so a monitoring job notices.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from plugins.loyalty_pos.store.tables import accounts, ledger, lots


@dataclass(frozen=True)
class Discrepancy:
    """One account whose balance, ledger sum and lots disagree."""

    member_id: str
    point_type: str
    balance: int | None
    ledger_sum: int
    lots_remaining: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def check_accounts(conn: sa.Connection) -> tuple[int, list[Discrepancy]]:
    """How many accounts there are, and every one that is not consistent."""
    sums = (sa.select(ledger.c.member_id, ledger.c.point_type, sa.func.sum(ledger.c.points).label("total"))
            .group_by(ledger.c.member_id, ledger.c.point_type).subquery())
    held = (sa.select(lots.c.member_id, lots.c.point_type, sa.func.sum(lots.c.remaining).label("remaining"))
            .group_by(lots.c.member_id, lots.c.point_type).subquery())
    found = {}
    for row in conn.execute(sa.select(accounts.c.member_id, accounts.c.point_type, accounts.c.balance)):
        found[(row.member_id, row.point_type)] = int(row.balance)
    totals = {(r.member_id, r.point_type): int(r.total) for r in conn.execute(sa.select(sums))}
    remaining = {(r.member_id, r.point_type): int(r.remaining) for r in conn.execute(sa.select(held))}
    problems = []
    for key in sorted(set(found) | set(totals)):
        balance = found.get(key)
        total = totals.get(key, 0)
        in_lots = remaining.get(key, 0)
        if balance is None or balance != total or in_lots != max(balance, 0):
            problems.append(Discrepancy(key[0], key[1], balance, total, in_lots))
    return len(found), problems

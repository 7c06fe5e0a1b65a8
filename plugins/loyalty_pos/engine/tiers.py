"""Tiers from qualifying points over a rolling period.

A member's tier is the highest-ranked tier whose every qualification rule is met:
at least ``minimum`` qualifying points of the rule's type (accruals less their
reversals; spending points does not lower status) within the last ``period_months``.
Upgrades happen as soon as the points are there. A downgrade waits until the member
has held the tier for its own period (the shortest period of its rules), so a tier
earned in December is not lost in January; the daily job (``hub loyalty expire``)
re-evaluates every member.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from hub.api import LoyaltyProgramme, Tier
from plugins.loyalty_pos.engine.members import Member
from plugins.loyalty_pos.store.tables import ledger, members


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time ``months`` months earlier (the month's last day where it is shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


_QUALIFYING = sa.select(sa.func.coalesce(sa.func.sum(ledger.c.points), 0)).where(
    (ledger.c.member_id == sa.bindparam("b_member")) & (ledger.c.point_type == sa.bindparam("b_type"))
    & ledger.c.qualifying & (ledger.c.occurred_at >= sa.bindparam("b_since")))


QualifyingSum = Callable[[str, str, dt.datetime], int]
"""The qualifying points of (member, point type) since a moment, where the caller
knows them without asking the ledger (a chunk's receipts: ``engine.chunkbook``)."""


def earned_tier(conn: sa.Connection, programme: LoyaltyProgramme, member_id: str, now: dt.datetime,
                above: int = -1, known: QualifyingSum | None = None) -> Tier | None:
    """The highest tier (ranked above ``above``) the member's qualifying points reach now,
    or None; the sums are asked of ``known`` if given, else of the ledger."""
    sums: dict[tuple[str, int], int] = {}

    def qualifying(point_type: str, months: int) -> int:
        if (point_type, months) not in sums:
            since = months_before(now, months)
            sums[point_type, months] = known(member_id, point_type, since) if known is not None else int(
                conn.execute(_QUALIFYING, {"b_member": member_id, "b_type": point_type, "b_since": since})
                .scalar_one())
        return sums[point_type, months]

    for tier in reversed(programme.tiers_by_rank()):
        if tier.rank <= above:
            break
        if all(qualifying(rule.point_type, rule.period_months) >= rule.minimum for rule in tier.qualification):
            return tier
    return None


def _held_long_enough(tier: Tier | None, member: Member, now: dt.datetime) -> bool:
    if tier is None or member.tier_since is None or not tier.qualification:
        return True
    since = member.tier_since if member.tier_since.tzinfo else member.tier_since.replace(tzinfo=dt.UTC)
    return since <= months_before(now, min(rule.period_months for rule in tier.qualification))


def evaluate(conn: sa.Connection, programme: LoyaltyProgramme, member: Member, now: dt.datetime,
             downgrade: bool = True, known: QualifyingSum | None = None) -> str | None:
    """Move the member to the tier its points earn (downgrades only with ``downgrade``,
    and once the current tier was held for its period; earning points only ever
    upgrades); returns the tier code it has afterwards. ``known``: see ``earned_tier``."""
    if not programme.tiers:
        return member.tier_code
    ranks = {tier.code: tier for tier in programme.tiers}
    current = ranks.get(member.tier_code or "")
    earned = earned_tier(conn, programme, member.id, now, -1 if downgrade or current is None else current.rank,
                         known)
    if not downgrade and earned is None:
        return member.tier_code
    up = earned is not None and (current is None or earned.rank > current.rank)
    down = (earned is None or (current is not None and earned.rank < current.rank)) and current is not None
    if not up and not (down and _held_long_enough(current, member, now)):
        return member.tier_code
    code = earned.code if earned is not None else None
    conn.execute(members.update().where(members.c.id == member.id).values(tier_code=code, tier_since=now))
    return code

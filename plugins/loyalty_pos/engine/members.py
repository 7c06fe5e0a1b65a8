"""Members and their cards: who a card belongs to, enrolment, tiers.

A membership is always tied to a canonical partner, so that a member who also buys in a
web shop is one partner, earning on both. ``enrol`` ties a partner the hub knows to a
card. A card the hub has never seen, presented at a till, enrols a *provisional*
member on the spot: a partner (a person named after the card, role loyalty member) is
created through master data and replicated like any other, so the points earned before
the customer registers are not lost; registering later is an update of that partner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.api import LoyaltyProgramme, Partner, PartnerKind, PartnerRole, PluginTransaction, new_hub_id
from plugins.loyalty_pos.store.tables import cards, members

PROVISIONAL = "provisional"
ACTIVE = "active"
_IN_BATCH = 900
"""Values in one ``IN (...)`` (SQLite allows 32,766 parameters; this keeps statements small)."""


class UnknownMember(LookupError):
    """No member has that card or id."""


@dataclass(frozen=True)
class Member:
    """A member as the engine needs it."""

    id: str
    partner_hub_id: str
    status: str
    tier_code: str | None
    tier_since: dt.datetime | None


_COLUMNS = (members.c.id, members.c.partner_hub_id, members.c.status, members.c.tier_code, members.c.tier_since)


def _member(row: Any) -> Member | None:
    return None if row is None else Member(row.id, row.partner_hub_id, row.status, row.tier_code, row.tier_since)


_BY_CARD = sa.select(*_COLUMNS).join(cards, cards.c.member_id == members.c.id).where(
    cards.c.card_number == sa.bindparam("b_card"))


def by_card(conn: sa.Connection, card: str) -> Member | None:
    """The member holding ``card``, or None."""
    return _member(conn.execute(_BY_CARD, {"b_card": card}).first())


def by_cards(conn: sa.Connection, numbers: Sequence[str]) -> dict[str, Member]:
    """The members holding ``numbers``, by card (cards nobody holds are left out); one
    query per thousand cards instead of one per receipt."""
    found: dict[str, Member] = {}
    unique = list(dict.fromkeys(numbers))
    for start in range(0, len(unique), _IN_BATCH):
        rows = conn.execute(sa.select(cards.c.card_number, *_COLUMNS).join(cards, cards.c.member_id == members.c.id)
                            .where(cards.c.card_number.in_(unique[start:start + _IN_BATCH])))
        for row in rows:
            found[row.card_number] = Member(row.id, row.partner_hub_id, row.status, row.tier_code, row.tier_since)
    return found


def by_id(conn: sa.Connection, member_id: str) -> Member | None:
    """The member ``member_id``, or None."""
    return _member(conn.execute(sa.select(*_COLUMNS).where(members.c.id == member_id)).first())


def by_partner(conn: sa.Connection, partner_hub_id: str) -> Member | None:
    """The member that partner ``partner_hub_id`` is, or None."""
    return _member(conn.execute(sa.select(*_COLUMNS).where(members.c.partner_hub_id == partner_hub_id)
                                .order_by(members.c.enrolled_at)).first())


def find(conn: sa.Connection, card_or_id: str) -> Member:
    """The member with that card number, member id or partner hub id; UnknownMember otherwise."""
    found = by_card(conn, card_or_id) or by_id(conn, card_or_id) or by_partner(conn, card_or_id)
    if found is None:
        raise UnknownMember(f"no member has card or id {card_or_id!r}")
    return found


def _create(conn: sa.Connection, programme: LoyaltyProgramme, partner_hub_id: str, status: str,
            card: str | None, now: dt.datetime) -> Member:
    member_id = new_hub_id("lm")
    conn.execute(members.insert().values(id=member_id, programme_hub_id=programme.hub_id or "",
                                         partner_hub_id=partner_hub_id, status=status, tier_code=None,
                                         tier_since=None, enrolled_at=now))
    if card is not None:
        conn.execute(cards.insert().values(card_number=card, member_id=member_id, status="active", issued_at=now))
    return Member(member_id, partner_hub_id, status, None, None)


def _provisional_partner(card: str) -> Partner:
    return Partner(kind=PartnerKind.person, last_name=f"Loyalty card {card}", roles=[PartnerRole.loyalty_member],
                   marketing_attributes={"loyalty_card": card, "loyalty_status": PROVISIONAL})


def enrol_provisional(tx: PluginTransaction, programme: LoyaltyProgramme, card: str, now: dt.datetime) -> Member:
    """A provisional member for a card the hub has never seen, with a partner of its own."""
    return enrol_provisionals(tx, programme, [card], now)[card]


def enrol_provisionals(tx: PluginTransaction, programme: LoyaltyProgramme, numbers: Sequence[str],
                       now: dt.datetime) -> dict[str, Member]:
    """Provisional members for cards the hub has never seen (each with a partner of its
    own), by card; partners, members and cards are each written in one batch, as a day
    file brings hundreds of new cards per chunk. (Master data compares a batch's
    partners sharing only a name key, as these do, with at most as many others as a
    stored key would give, so one batch costs no more per partner than one upsert.)"""
    unique = list(dict.fromkeys(numbers))
    if not unique:
        return {}
    partners = tx.upsert([_provisional_partner(card) for card in unique])
    made = {card: Member(new_hub_id("lm"), partner.hub_id, PROVISIONAL, None, None)
            for card, partner in zip(unique, partners, strict=True)}
    tx.connection.execute(members.insert(), [
        {"id": m.id, "programme_hub_id": programme.hub_id or "", "partner_hub_id": m.partner_hub_id,
         "status": PROVISIONAL, "tier_code": None, "tier_since": None, "enrolled_at": now} for m in made.values()])
    tx.connection.execute(cards.insert(), [
        {"card_number": card, "member_id": m.id, "status": "active", "issued_at": now} for card, m in made.items()])
    return made


def enrol(tx: PluginTransaction, programme: LoyaltyProgramme, partner_hub_id: str, card: str | None,
          now: dt.datetime) -> Member:
    """``partner_hub_id`` as a member (the one it is already, if so), with ``card`` added.
    A new member's partner is marked as one (``_mark``)."""
    partner = tx.document(partner_hub_id)  # NotFoundError for a partner the hub does not know
    if not isinstance(partner, Partner):
        raise ValueError(f"{partner_hub_id} is a {partner.doc_type}, not a partner")
    conn = tx.connection
    if card is not None:
        holder = by_card(conn, card)
        if holder is not None and holder.partner_hub_id != partner_hub_id:
            raise ValueError(f"card {card} belongs to member {holder.id} (partner {holder.partner_hub_id})")
    member = by_partner(conn, partner_hub_id)
    if member is None:
        _mark(tx, partner, card)
        return _create(conn, programme, partner_hub_id, ACTIVE, card, now)
    if card is not None and by_card(conn, card) is None:
        conn.execute(cards.insert().values(card_number=card, member_id=member.id, status="active", issued_at=now))
    return member


def _mark(tx: PluginTransaction, partner: Partner, card: str | None) -> None:
    """Give an enrolled partner the role loyalty member and its card and status in its
    marketing attributes, as a provisional member's partner has them: the membership
    then shows in the partner's golden record (``hub partner show``) and reaches every
    system the partner goes to. Only those two fields change (the kind and names sent
    with them, which a partner must have, are its own), so nothing else of the golden
    record is touched."""
    roles = partner.roles if PartnerRole.loyalty_member in partner.roles else [*partner.roles,
                                                                                 PartnerRole.loyalty_member]
    attributes = {**partner.marketing_attributes, "loyalty_status": ACTIVE, **({"loyalty_card": card} if card else {})}
    names = partner.model_dump(include={"kind", "first_name", "last_name", "organisation_name"}, exclude_none=True)
    tx.upsert([Partner.model_validate({**names, "hub_id": partner.hub_id, "roles": roles,
                                       "marketing_attributes": attributes})])


def card_numbers(conn: sa.Connection, member_id: str) -> list[str]:
    """The member's cards."""
    return list(conn.execute(sa.select(cards.c.card_number).where(cards.c.member_id == member_id)
                             .order_by(cards.c.issued_at)).scalars())

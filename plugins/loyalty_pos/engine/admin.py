"""An administrator's corrections: adjust an account, give a card-less receipt to a member,
enrol a partner. Each is one ledger movement (or none) with its reason kept."""

from __future__ import annotations

import datetime as dt

from hub.api import NotFoundError, PluginTransaction, RetailTransaction
from plugins.loyalty_pos.engine import members
from plugins.loyalty_pos.engine.earning import receipt_of, settle_receipt
from plugins.loyalty_pos.engine.ledger import Entry, credit, debit, lock_account
from plugins.loyalty_pos.engine.members import Member
from plugins.loyalty_pos.engine.programme import active_programme


class AdjustmentRefused(ValueError):
    """An adjustment that would take an account below zero, or names an unknown point type."""


def adjust(tx: PluginTransaction, member: Member, points: int, point_type: str, reason: str,
           now: dt.datetime) -> int:
    """Credit or debit ``points`` (signed) with ``reason``; returns the ledger id."""
    programme = active_programme(tx)
    kind = programme.point_type(point_type)
    if kind is None:
        known = ", ".join(p.code for p in programme.point_types)
        raise AdjustmentRefused(f"the programme has no point type {point_type!r} (it has {known})")
    if points == 0:
        raise AdjustmentRefused("an adjustment moves points: give a number other than 0")
    entry = Entry(member.id, point_type, "adjustment", points, now, reason=reason)
    today = now.date()
    if points > 0:
        return credit(tx.connection, entry, today, kind.expiry.expires_on(today))
    balance = lock_account(tx.connection, member.id, point_type)
    if balance + points < 0:
        raise AdjustmentRefused(f"member {member.id} has {balance} {point_type} points; cannot take {-points}")
    return debit(tx.connection, entry, today, spendable_only=False)


def assign_receipt(tx: PluginTransaction, receipt: str, member: Member, window_days: int, now: dt.datetime) -> int:
    """Give a receipt that came without a card to ``member``: it earns now what it earned then."""
    hub_id = tx.find("retail_transaction", receipt)
    if hub_id is None:
        raise NotFoundError(f"no POS transaction {receipt!r} (STORE/TILL/DAY/NUMBER)")
    txn = tx.document(hub_id)
    if not isinstance(txn, RetailTransaction) or receipt_of(txn) != receipt:
        raise NotFoundError(f"{receipt!r} is not a POS transaction")
    if txn.loyalty_card_number:
        holder = members.by_card(tx.connection, txn.loyalty_card_number)
        if holder is not None and holder.id != member.id:
            raise AdjustmentRefused(f"receipt {receipt} was made with card {txn.loyalty_card_number}"
                                    f" of member {holder.id}")
    return settle_receipt(tx, active_programme(tx), txn, window_days, now, member)

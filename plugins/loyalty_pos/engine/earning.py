"""Earning and returning: points from store sales and web-shop orders, reversed by returns.

Store sales earn inside the very transaction that posts them (the plugin's chunk
listener), so a receipt and its points commit together and a re-sent day file, whose
receipts are duplicates, earns nothing twice. Web-shop orders of members earn through
a subscription to canonical sales orders from any system (exactly once, in order per
order); a cancelled order gives its points back.

Only what ``RetailTransaction.counts()`` (completed sales and returns, not training)
earns. Points are pending until the return window (``return_window_days``) has passed
and expire by the point type's policy. A return line that names its original receipt
reverses that line's share of what the receipt earned, from the member who earned it
(at most what is left unreversed); a return without the receipt costs what its lines
would have earned. A receipt without a card earns nothing until ``hub loyalty assign``
gives it to a member.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from hub.api import LineKind, LoyaltyProgramme, OrderStatus, PluginTransaction, Product, RetailTransaction, SalesOrder
from plugins.loyalty_pos.engine import members, tiers
from plugins.loyalty_pos.engine.accrual import MILLIS, BasketLine, earn
from plugins.loyalty_pos.engine.chunkbook import ChunkBook
from plugins.loyalty_pos.engine.ledger import Credit, Entry, credit, debit
from plugins.loyalty_pos.engine.members import Member
from plugins.loyalty_pos.store.tables import ledger, line_points


def receipt_of(txn: RetailTransaction) -> str:
    """The receipt's key, ``STORE/TILL/DAY/NUMBER`` (as the codecs name it)."""
    return f"{txn.store_id}/{txn.till_id}/{txn.business_day.isoformat()}/{txn.transaction_number}"


def store_basket(txn: RetailTransaction, kind: LineKind) -> list[BasketLine]:
    """The receipt's lines of ``kind`` (not voided) with their net amounts: a line's own
    taxes taken out where it names them (unless their base is the amount itself), else
    the receipt's tax spread over its lines by amount."""
    live = [line for line in txn.lines if not line.voided]
    gross = sum((line.amount.amount for line in live), Decimal(0))
    receipt_tax = sum((tax.amount.amount for tax in txn.taxes), Decimal(0))
    if not receipt_tax and txn.tax_total is not None and not any(line.taxes for line in live):
        receipt_tax = txn.tax_total.amount
    basket = []
    for line in live:
        if line.kind is not kind:
            continue
        amount = line.amount.amount
        if line.taxes:
            net = amount - sum((t.amount.amount for t in line.taxes
                                if t.base is None or t.base.amount != amount), Decimal(0))
        elif receipt_tax and gross:
            net = amount - receipt_tax * amount / gross
        else:
            net = amount
        ids = frozenset(i for i in (line.product_hub_id, line.product_external_id, line.gtin) if i)
        basket.append(BasketLine(line.line_number, ids, line.product_group, line.quantity.value, net))
    return basket


_EARNED = {column.name: sa.select(ledger.c.id).where((column == sa.bindparam("b_key")) & (ledger.c.kind == "accrual"))
           .limit(1) for column in (ledger.c.receipt, ledger.c.document_hub_id)}


def _already(conn: sa.Connection, column: sa.Column[str | None], key: str) -> bool:
    return conn.execute(_EARNED[column.name], {"b_key": key}).first() is not None


def _credit_all(tx: PluginTransaction, programme: LoyaltyProgramme, member: Member, basket: Sequence[BasketLine],
                day: dt.date, occurred_at: dt.datetime, window_days: int, *, receipt: str | None = None,
                document_hub_id: str | None = None, quantities: dict[int, Decimal] | None = None,
                book: ChunkBook | None = None) -> int:
    """Credit what ``basket`` earns, and upgrade the member if the points make it; with
    ``book``, the credits are written with the chunk's others."""
    conn = tx.connection
    total = 0
    for earning in earn(programme, basket, day, member.tier_code):
        point_type = programme.point_type(earning.rule.point_type)
        if point_type is None:
            continue
        entry = Entry(member.id, point_type.code, "accrual", earning.points, occurred_at,
                      qualifying=point_type.qualifying, rule_code=earning.rule.code, receipt=receipt,
                      document_hub_id=document_hub_id)
        item = Credit(entry, day + dt.timedelta(days=window_days), point_type.expiry.expires_on(day))
        shares: list[dict[str, object]] = [
            {"line_number": number, "receipt": receipt, "share_millis": share, "reversed_millis": 0,
             "quantity": str((quantities or {}).get(number, Decimal(1)))}
            for number, share in earning.shares.items()] if receipt is not None else []
        if book is not None:
            book.credit(item, shares)
        else:
            ledger_id = credit(conn, entry, item.available_on, item.expires_on)
            if shares:
                conn.execute(line_points.insert(), [{**share, "ledger_id": ledger_id} for share in shares])
        total += earning.points
    if total:
        code = tiers.evaluate(conn, programme, member, occurred_at, downgrade=False,
                              known=book.qualifying if book is not None else None)
        if book is not None and code != member.tier_code:
            book.members[member.id] = replace(member, tier_code=code, tier_since=occurred_at)
    return total


def _earned_before(conn: sa.Connection, receipts: Sequence[str]) -> set[str]:
    """Which of ``receipts`` earned points already (one query per few hundred receipts)."""
    found: set[str] = set()
    for start in range(0, len(receipts), 900):
        found.update(conn.execute(sa.select(ledger.c.receipt).where(
            ledger.c.receipt.in_(receipts[start:start + 900]) & (ledger.c.kind == "accrual"))).scalars())
    return found


def accrue_receipt(tx: PluginTransaction, programme: LoyaltyProgramme, txn: RetailTransaction, member: Member,
                   window_days: int, *, earned_before: bool | None = None, book: ChunkBook | None = None) -> int:
    """Credit what the receipt's sale lines earn (nothing if it earned before: asked of
    the ledger unless the caller knows, ``earned_before``); the points. ``book``: see
    ``_credit_all``."""
    receipt = receipt_of(txn)
    if earned_before if earned_before is not None else _already(tx.connection, ledger.c.receipt, receipt):
        return 0
    basket = store_basket(txn, LineKind.sale)
    quantities = {line.number: line.quantity for line in basket}
    return _credit_all(tx, programme, member, basket, txn.business_day, txn.ended_at, window_days,
                       receipt=receipt, document_hub_id=txn.hub_id, quantities=quantities, book=book)


def _original(txn: RetailTransaction, number: int) -> tuple[str, int] | None:
    """The key pattern (``%`` where the till did not say) and line of the receipt a
    returned line was sold on, or None when the till did not name the line."""
    ref = next(line for line in txn.lines if line.line_number == number).returned_from
    if ref is None or ref.line_number is None:
        return None
    day = ref.business_day.isoformat() if ref.business_day else "%"
    return f"{ref.store_id or txn.store_id}/{ref.till_id or '%'}/{day}/{ref.transaction_number}", ref.line_number


def _receipt_matches(pattern: str) -> sa.ColumnElement[bool]:
    """Line points of the receipt ``pattern`` names (``%`` where the till did not say).
    A whole key is compared as it is, so the index on the receipt finds it: LIKE scans
    every line point ever earned, once per returned line (a range on the pattern's
    fixed beginning would not do on PostgreSQL, whose collations order by more than
    the bytes)."""
    return line_points.c.receipt == pattern if "%" not in pattern else line_points.c.receipt.like(pattern)


def reverse_returns(tx: PluginTransaction, programme: LoyaltyProgramme, txn: RetailTransaction,
                    member: Member | None, window_days: int, book: ChunkBook | None = None) -> int:
    """Reverse what the returned lines earned on their original receipts; returned lines
    without one cost the holder of the return's card what they would earn. The points.
    With ``book``, its credits are written first where the return reads or debits what
    they touch (the original may be one of them), and the reversals counted in it."""
    conn = tx.connection
    receipt = receipt_of(txn)
    reversed_points = 0
    unlinked = []
    for line in store_basket(txn, LineKind.return_):
        original = _original(txn, line.number)
        if book is not None and original is not None:
            book.flush_for(receipts=[original[0]])
        rows = [] if original is None else conn.execute(
            sa.select(line_points, ledger.c.member_id, ledger.c.point_type, ledger.c.qualifying, ledger.c.points)
            .join(ledger, ledger.c.id == line_points.c.ledger_id)
            .where(_receipt_matches(original[0]) & (line_points.c.line_number == original[1]))).all()
        if not rows:
            unlinked.append(line)
            continue
        for row in rows:
            sold = Decimal(row.quantity)
            fraction = min(Decimal(1), line.quantity / sold) if sold > 0 else Decimal(1)
            millis = min(int(row.share_millis * fraction), row.share_millis - row.reversed_millis)
            points = int((Decimal(millis) / MILLIS).to_integral_value(ROUND_HALF_UP))
            before = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(ledger.c.points), 0)).where(
                ledger.c.reverses_id == row.ledger_id)).scalar_one()
            points = min(points, int(row.points) + int(before))
            conn.execute(line_points.update().where(
                (line_points.c.ledger_id == row.ledger_id) & (line_points.c.line_number == row.line_number)
            ).values(reversed_millis=line_points.c.reversed_millis + millis))
            if points <= 0:
                continue
            entry = Entry(row.member_id, row.point_type, "reversal", -points, txn.ended_at,
                          qualifying=row.qualifying, receipt=receipt, document_hub_id=txn.hub_id,
                          reverses_id=row.ledger_id, reason=f"return of line {row.line_number} of {row.receipt}")
            if book is not None:
                book.flush_for(member_ids=[row.member_id])
            debit(conn, entry, txn.business_day, spendable_only=False, first_lot_of=row.ledger_id)
            if book is not None:
                book.posted(entry)
            reversed_points += points
    if unlinked and member is not None:
        reversed_points += _blind_return(tx, programme, txn, member, unlinked, receipt, book)
    return reversed_points


def _blind_return(tx: PluginTransaction, programme: LoyaltyProgramme, txn: RetailTransaction, member: Member,
                  lines: list[BasketLine], receipt: str, book: ChunkBook | None) -> int:
    total = 0
    for earning in earn(programme, lines, txn.business_day, member.tier_code):
        point_type = programme.point_type(earning.rule.point_type)
        if point_type is None:
            continue
        entry = Entry(member.id, point_type.code, "reversal", -earning.points, txn.ended_at,
                      qualifying=point_type.qualifying, rule_code=earning.rule.code, receipt=receipt,
                      document_hub_id=txn.hub_id, reason="return without its original receipt")
        if book is not None:
            book.flush_for(member_ids=[member.id])
        debit(tx.connection, entry, txn.business_day, spendable_only=False)
        if book is not None:
            book.posted(entry)
        total += earning.points
    return total


def member_of_receipt(tx: PluginTransaction, programme: LoyaltyProgramme, txn: RetailTransaction,
                      now: dt.datetime) -> Member | None:
    """The member a receipt belongs to: its card's (an unknown card enrols a provisional
    member), else its customer's when that partner is a member; None for a receipt without either."""
    conn = tx.connection
    if txn.loyalty_card_number:
        return members.by_card(conn, txn.loyalty_card_number) or members.enrol_provisional(
            tx, programme, txn.loyalty_card_number, now)
    if txn.customer_hub_id:
        return members.by_partner(conn, txn.customer_hub_id)
    return None


def settle_receipt(tx: PluginTransaction, programme: LoyaltyProgramme, txn: RetailTransaction,
                   window_days: int, now: dt.datetime, member: Member | None = None, *,
                   earned_before: bool | None = None, book: ChunkBook | None = None) -> int:
    """Earn on a counted receipt's sales and reverse its returns; the points moved
    (signed). ``book``: the chunk's, when it settles a chunk (``settle_receipts``)."""
    if not txn.counts():
        return 0
    member = member or member_of_receipt(tx, programme, txn, now)
    moved = 0
    if member is not None:
        moved += accrue_receipt(tx, programme, txn, member, window_days, earned_before=earned_before, book=book)
    if any(line.kind is LineKind.return_ for line in txn.lines):
        moved -= reverse_returns(tx, programme, txn, member, window_days, book)
    return moved


def settle_receipts(tx: PluginTransaction, programme: LoyaltyProgramme, txns: Sequence[RetailTransaction],
                    window_days: int, now: dt.datetime) -> int:
    """``settle_receipt`` for a posted chunk's receipts, in their order, with what each
    receipt would ask the database on its own asked once for the chunk: the members of
    their cards, the provisional members of the cards never seen (enrolled together),
    and which receipts earned before; their credits are written together and their tier
    checks answered from the qualifying points read once (``engine.chunkbook``). A
    member whose tier moved on an earlier receipt of the chunk earns at its new tier on
    the next (the book keeps it), as it would have alone. The points moved (signed)."""
    conn = tx.connection
    counted = [txn for txn in txns if txn.counts()]
    numbers = [txn.loyalty_card_number for txn in counted if txn.loyalty_card_number]
    holders = members.by_cards(conn, numbers)
    holders.update(members.enrol_provisionals(tx, programme, [n for n in numbers if n not in holders], now))
    earned = _earned_before(conn, [receipt_of(txn) for txn in counted])
    book = ChunkBook(conn, programme, [txn.ended_at for txn in counted])
    book.load(member.id for member in holders.values())
    moved = 0
    for txn in counted:
        member = holders.get(txn.loyalty_card_number) if txn.loyalty_card_number else None
        if member is not None:
            member = book.members.get(member.id, member)
        moved += settle_receipt(tx, programme, txn, window_days, now, member,
                                earned_before=receipt_of(txn) in earned, book=book)
    book.flush()
    return moved


def settle_order(tx: PluginTransaction, programme: LoyaltyProgramme, order: SalesOrder, window_days: int,
                 now: dt.datetime) -> str:
    """Earn on a member's web-shop order once; give the points back when it is cancelled."""
    conn = tx.connection
    member = members.by_partner(conn, order.sold_to_hub_id)
    if member is None or order.hub_id is None:
        return f"partner {order.sold_to_hub_id} is not a loyalty member"
    if order.status is OrderStatus.cancelled:
        return _cancel_order(tx, order.hub_id, now)
    if _already(conn, ledger.c.document_hub_id, order.hub_id):
        return f"order {order.hub_id} earned before"
    basket = []
    for item in order.items:
        net = item.net_value.amount if item.net_value is not None else (
            item.net_price.amount * item.quantity.value if item.net_price is not None else Decimal(0))
        group = None
        if item.product_hub_id is not None:
            product = tx.document(item.product_hub_id)
            group = product.product_group if isinstance(product, Product) else None
        ids = frozenset(i for i in (item.product_hub_id, item.product_external_id) if i)
        basket.append(BasketLine(item.item_number, ids, group, item.quantity.value, net))
    points = _credit_all(tx, programme, member, basket, order.order_date, now, window_days,
                         document_hub_id=order.hub_id)
    return f"member {member.id} earned {points} points on order {order.hub_id}"


def _cancel_order(tx: PluginTransaction, order_hub_id: str, now: dt.datetime) -> str:
    conn = tx.connection
    earned = conn.execute(sa.select(ledger).where((ledger.c.document_hub_id == order_hub_id)
                                                  & (ledger.c.kind == "accrual"))).all()
    total = 0
    for row in earned:
        before = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(ledger.c.points), 0)).where(
            ledger.c.reverses_id == row.id)).scalar_one()
        left = int(row.points) + int(before)
        if left <= 0:
            continue
        entry = Entry(row.member_id, row.point_type, "reversal", -left, now, qualifying=row.qualifying,
                      document_hub_id=order_hub_id, reverses_id=row.id, reason=f"order {order_hub_id} cancelled")
        debit(conn, entry, now.date(), spendable_only=False, first_lot_of=row.id)
        total += left
    return f"order {order_hub_id} cancelled: {total} points reversed"

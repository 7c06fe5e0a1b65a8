"""Coupons: issued (by an administrator or a campaign), validated and redeemed once at a
till, expired after their last day.

Redeeming locks the coupon's row (``FOR UPDATE`` on PostgreSQL; SQLite serialises
writers) and changes its status from issued to redeemed in the same statement that
checks it, so two tills scanning one coupon at once cannot both redeem it. A personal
coupon (issued to a member) is redeemed only with that member's card, when the till
names one.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from hub.api import CouponKind
from plugins.loyalty_pos.engine import members
from plugins.loyalty_pos.engine.redemptions import RedemptionRefused
from plugins.loyalty_pos.store.tables import coupons


def issue(conn: sa.Connection, kind: str, value: str, currency: str | None, member_id: str | None,
          valid_to: dt.date | None, now: dt.datetime, code: str | None = None) -> dict[str, Any]:
    """A new coupon (a random code unless one is given)."""
    try:
        CouponKind(kind)
        amount = Decimal(value)
    except (ValueError, InvalidOperation):
        raise ValueError(f"a coupon is one of {', '.join(k.value for k in CouponKind)} with a number value,"
                         f" not {kind!r} {value!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"a coupon's value is a positive number, not {value!r}")
    code = code or "CP-" + secrets.token_hex(5).upper()
    if conn.execute(sa.select(coupons.c.code).where(coupons.c.code == code)).first() is not None:
        raise ValueError(f"coupon {code} exists")
    conn.execute(coupons.insert().values(code=code, member_id=member_id, kind=kind, value=str(amount),
                                         currency=currency, status="issued", issued_at=now, valid_to=valid_to))
    return view(conn, code, now.date())


def _row(conn: sa.Connection, code: str, lock: bool = False) -> Any:
    query = sa.select(coupons).where(coupons.c.code == code)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise RedemptionRefused(404, "unknown-coupon", f"no coupon {code!r}")
    return row


def _why_not(row: Any, today: dt.date, member_id: str | None) -> str | None:
    if row.status != "issued":
        return f"coupon {row.code} is {row.status}"
    if row.valid_to is not None and row.valid_to < today:
        return f"coupon {row.code} expired after {row.valid_to.isoformat()}"
    if row.member_id is not None and member_id is not None and row.member_id != member_id:
        return f"coupon {row.code} belongs to another member"
    return None


def _card_member(conn: sa.Connection, card: str | None) -> str | None:
    if card is None:
        return None
    member = members.by_card(conn, card)
    if member is None:
        raise RedemptionRefused(404, "unknown-card", f"no member has card {card!r}")
    return member.id


def view(conn: sa.Connection, code: str, today: dt.date, card: str | None = None) -> dict[str, Any]:
    """The coupon and whether a till may redeem it now (``valid``, else ``reason``)."""
    row = _row(conn, code)
    reason = _why_not(row, today, _card_member(conn, card))
    return {"code": row.code, "kind": row.kind, "value": row.value, "currency": row.currency, "status": row.status,
            "valid_to": row.valid_to.isoformat() if row.valid_to else None, "member": row.member_id,
            "valid": reason is None, "reason": reason,
            "redeemed_receipt": row.redeemed_receipt, "redeemed_store": row.redeemed_store}


def redeem(conn: sa.Connection, code: str, store: str, receipt: str | None, card: str | None,
           now: dt.datetime) -> dict[str, Any]:
    """Redeem the coupon once; 409 when it was redeemed, expired or is someone else's."""
    row = _row(conn, code, lock=True)
    reason = _why_not(row, now.date(), _card_member(conn, card))
    if reason is not None:
        raise RedemptionRefused(409, "coupon-not-redeemable", reason)
    done = conn.execute(coupons.update().where((coupons.c.code == code) & (coupons.c.status == "issued")).values(
        status="redeemed", redeemed_at=now, redeemed_store=store, redeemed_receipt=receipt))
    if done.rowcount != 1:
        raise RedemptionRefused(409, "coupon-not-redeemable", f"coupon {code} was redeemed just now")
    return view(conn, code, now.date())

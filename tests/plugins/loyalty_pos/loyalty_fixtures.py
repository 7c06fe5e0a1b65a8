"""Helpers of the loyalty engine's tests: a live hub with the example programme loaded,
JSON transactions of today, and reads of the engine's tables."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.api import utcnow
from hub.testing.live import LiveHub
from plugins.loyalty_pos.store.tables import accounts, ledger

PROGRAMME = Path(__file__).resolve().parents[3] / "plugins" / "loyalty_pos" / "programmes" / "club.yaml"
STORE = "S042"


def loyalty_hub(tmp_path: Path, database_url: str | None = None, **settings: Any) -> LiveHub:
    """A live hub with loyalty_pos (the given settings) and the example programme loaded."""
    hub = LiveHub(tmp_path, {"loyalty_pos": {"timezone": "UTC", **settings}}, database_url=database_url)
    hub.cli_json("loyalty", "programme", "load", str(PROGRAMME))
    return hub


def line(number: int, amount: str, group: str = "TOOLS", item: str | None = None, quantity: int = 1,
         kind: str = "sale", returned_from: dict[str, Any] | None = None) -> dict[str, Any]:
    """One receipt line without tax of its own."""
    unit = Decimal(amount) / quantity
    body: dict[str, Any] = {"line": number, "kind": kind, "item_id": item or f"A{number:04d}", "product_group": group,
                            "quantity": quantity, "unit_price": str(unit), "amount": amount}
    if returned_from is not None:
        body["returned_from"] = returned_from
    return body


def sale(number: int, lines: list[dict[str, Any]], card: str | None = None, day: dt.date | None = None,
         kind: str = "sale", **extra: Any) -> bytes:
    """A JSON transaction of till 01 of the store, paid in cash, on ``day`` (today)."""
    day = day or utcnow().date()
    total = sum((Decimal(x["amount"]) for x in lines), Decimal(0))
    body: dict[str, Any] = {
        "pos_transaction": 1, "store": STORE, "workstation": "01", "sequence_number": str(number),
        "business_day": day.isoformat(), "type": kind, "ended_at": f"{day.isoformat()}T10:00:00+00:00",
        "currency": "EUR", "lines": lines, "tenders": [{"type": "cash", "amount": str(total)}], "total": str(total),
        **extra}
    if card is not None:
        body["loyalty_card"] = card
    return json.dumps(body).encode()


def receipt(number: int, day: dt.date | None = None) -> str:
    """The key of receipt ``number`` of till 01."""
    return f"{STORE}/01/{(day or utcnow().date()).isoformat()}/{number}"


def post(hub: LiveHub, payload: bytes) -> None:
    """Ingest ``payload`` as the till sent it; every document must post."""
    outcomes = hub.context("loyalty_pos").ingest(payload, "till", "application/json")
    assert [o.status for o in outcomes] == ["posted"], [o.error for o in outcomes]


def member(hub: LiveHub, card_or_id: str) -> dict[str, Any]:
    """``hub loyalty member show --json``."""
    shown = hub.cli_json("loyalty", "member", "show", card_or_id)
    assert isinstance(shown, dict)
    return shown


def balance(hub: LiveHub, card_or_id: str, point_type: str = "BONUS") -> dict[str, Any]:
    """One account of a member, as ``member show`` reports it."""
    found: dict[str, Any] = next(b for b in member(hub, card_or_id)["balances"] if b["point_type"] == point_type)
    return found


def ledger_sum_equals_balances(hub: LiveHub) -> bool:
    """Whether every account's balance is its ledger's sum (checked apart from the command)."""
    with hub.runtime.engine.connect() as conn:
        sums = dict(((r.member_id, r.point_type), int(r.total)) for r in conn.execute(
            sa.select(ledger.c.member_id, ledger.c.point_type, sa.func.sum(ledger.c.points).label("total"))
            .group_by(ledger.c.member_id, ledger.c.point_type)))
        kept = {(r.member_id, r.point_type): int(r.balance) for r in conn.execute(sa.select(accounts))}
    return sums == {k: v for k, v in kept.items() if k in sums or v != 0}

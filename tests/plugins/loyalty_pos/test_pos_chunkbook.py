"""A chunk's receipts settled together (``engine.chunkbook``): the ledger, lots, balances
and tiers they leave are those of the same receipts posted one by one, and the chunk
takes a handful of statements, not several per receipt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from loyalty_fixtures import STORE, line, loyalty_hub, post, sale

from hub.api import utcnow
from hub.testing.live import LiveHub
from plugins.loyalty_pos.json_codec import read_json
from plugins.loyalty_pos.store.tables import accounts, cards, ledger, lots, members


def _returned(number: int) -> dict[str, Any]:
    return {"store": STORE, "workstation": "01", "business_day": utcnow().date().isoformat(),
            "sequence_number": str(number), "line": 1}


def _in_one_chunk(hub: LiveHub, payloads: list[bytes]) -> None:
    documents = [doc for payload in payloads for doc in read_json(payload, "till")]
    chunks = list(hub.context("loyalty_pos").ingest_stream(documents, "json"))
    assert len(chunks) == 1 and [o.status for o in chunks[0]] == ["posted"] * len(payloads)


def _day(first: int, prefix: str) -> list[bytes]:
    """A new card rising to GOLD and a known one in debt, with returns of a receipt
    posted before and of one in the same batch."""
    return [
        sale(first, [line(1, "2100.00")], card=f"{prefix}2"),
        sale(first + 1, [line(1, "600.00", kind="return", returned_from=_returned(first - 1))], kind="return"),
        sale(first + 2, [line(1, "100.00")], card=f"{prefix}1"),
        sale(first + 3, [line(1, "100.00")], card=f"{prefix}2"),
        sale(first + 4, [line(1, "700.00")], card=f"{prefix}1"),
        sale(first + 5, [line(1, "2100.00", kind="return", returned_from=_returned(first))], kind="return"),
        sale(first + 6, [line(1, "40.00")], card=f"{prefix}2"),
    ]


def _state(hub: LiveHub, card: str) -> dict[str, Any]:
    """What the card's member has: ledger and lots in order, balances and tier."""
    with hub.runtime.engine.connect() as conn:
        member = conn.execute(sa.select(cards.c.member_id).where(cards.c.card_number == card)).scalar_one()
        return {
            "ledger": conn.execute(sa.select(ledger.c.kind, ledger.c.points, ledger.c.qualifying)
                                   .where(ledger.c.member_id == member).order_by(ledger.c.id)).all(),
            "lots": conn.execute(sa.select(lots.c.points, lots.c.remaining, lots.c.available_on, lots.c.expires_on)
                                 .where(lots.c.member_id == member).order_by(lots.c.id)).all(),
            "balances": conn.execute(sa.select(accounts.c.point_type, accounts.c.balance)
                                     .where(accounts.c.member_id == member).order_by(accounts.c.point_type)).all(),
            "tier": conn.execute(sa.select(members.c.tier_code).where(members.c.id == member)).scalar_one(),
        }


def test_a_chunk_with_returns_of_its_own_receipts_and_a_debt_settles_as_one_by_one(tmp_path: Path,
                                                                                  database_url: str) -> None:
    with loyalty_hub(tmp_path, database_url=database_url, return_window_days=0) as hub:
        for prefix, first in (("ALONE", 10), ("CHUNK", 30)):
            post(hub, sale(first - 1, [line(1, "600.00"), line(2, "50.00")], card=f"{prefix}1"))
            hub.cli_json("loyalty", "adjust", f"{prefix}1", "-650", "--type", "BONUS", "--reason", "spent")
        for payload in _day(10, "ALONE"):
            post(hub, payload)
        _in_one_chunk(hub, _day(30, "CHUNK"))
        alone = [_state(hub, f"ALONE{n}") for n in (1, 2)]
        assert [_state(hub, f"CHUNK{n}") for n in (1, 2)] == alone
        assert alone[1]["tier"] == "GOLD" and alone[0]["balances"][0].balance == 650 - 650 - 600 + 100 + 700
        assert hub.cli_json("loyalty", "check")["ok"] is True  # type: ignore[index]


def test_a_chunk_of_receipts_takes_fewer_statements_than_it_has_receipts(tmp_path: Path) -> None:
    """Forty receipts of twenty cards, half of them new: enrolment, credits and tier
    checks are written and read per chunk (one by one they took some 300 statements)."""
    with loyalty_hub(tmp_path) as hub:
        for n in range(10):
            post(hub, sale(100 + n, [line(1, "5.00")], card=f"KNOWN{n}"))
        cards_ = [f"KNOWN{n}" for n in range(10)] + [f"NEW{n}" for n in range(10)]
        payloads = [sale(200 + n, [line(1, "30.00"), line(2, "12.50")], card=cards_[n % 20]) for n in range(40)]
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        sa.event.listen(hub.runtime.engine, "before_cursor_execute", count)
        try:
            _in_one_chunk(hub, payloads)
        finally:
            sa.event.remove(hub.runtime.engine, "before_cursor_execute", count)
        assert len(statements) < len(payloads), "\n".join(s.split("(")[0][:90] for s in statements)
        assert hub.cli_json("loyalty", "member", "show", "NEW9")["balances"][0]["balance"] == 2 * 42

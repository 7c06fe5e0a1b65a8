"""The day-end generator: seeded, realistic (every kind of transaction a till records),
and every transaction it writes maps, in 6.0 names and in the older ones alike."""

from __future__ import annotations

import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

from pos_fixtures import map_all, parse

from hub.core.model import RetailTransaction
from plugins.loyalty_pos.poslog.generate import gtin13, write_day

ROOT = Path(__file__).resolve().parents[3]


def day(count: int, **options: object) -> bytes:
    out = io.BytesIO()
    write_day(out, count, **options)  # type: ignore[arg-type]
    return out.getvalue()


def test_the_same_seed_writes_the_same_day() -> None:
    assert day(300, seed=5) == day(300, seed=5)
    assert day(300, seed=5) != day(300, seed=6)


def test_every_generated_transaction_maps_and_the_day_has_every_kind() -> None:
    documents = parse(day(1500, seed=11), "day.xml")
    assert len(documents) == 1500 and {d.message_type for d in documents} == {"POSLog"}
    transactions = [r.document for r in map_all(documents)]
    assert all(isinstance(t, RetailTransaction) for t in transactions)
    kinds = Counter((t.transaction_type.value, t.status.value, t.training)  # type: ignore[attr-defined]
                    for t in transactions)
    for kind in [("sale", "completed", False), ("return", "completed", False), ("control", "completed", False),
                 ("sale", "completed", True), ("sale", "cancelled", False), ("sale", "suspended", False)]:
        assert kinds[kind], (kind, kinds)
    sales = [t for t in transactions if t.counts() and t.transaction_type.value == "sale"]  # type: ignore[attr-defined]
    assert 0.3 < sum(1 for t in sales if t.loyalty_card_number) / len(sales) < 0.5
    assert any(t.extensions for t in transactions) and any(line.extensions for t in sales for line in t.lines)
    assert any(line.voided for t in sales for line in t.lines)
    assert any(line.discounts for t in sales for line in t.lines)
    assert any(tender.kind.value == "loyalty_points" for t in sales for tender in t.tenders)
    returns = [t for t in transactions if t.transaction_type.value == "return"]  # type: ignore[attr-defined]
    assert all(t.lines[0].returned_from is not None for t in returns)
    keys = {(t.store_id, t.till_id, t.transaction_number) for t in transactions}  # type: ignore[attr-defined]
    assert len(keys) == 1500


def test_older_names_make_the_same_transactions() -> None:
    current = [r.document.business_data() for r in map_all(parse(day(400, seed=3), "new.xml"))]
    older = day(400, seed=3, old_names=True, extensions=False)
    assert b"<RetailStoreID>" in older and b"BusinessUnit" not in older and b"acme" not in older
    plain = [r.document.business_data() for r in map_all(parse(older, "old.xml"))]
    for data in current:
        data["extensions"] = {}
        for line in data["lines"]:
            line["extensions"] = {}
    assert plain == current


def test_gtins_carry_their_check_digit() -> None:
    assert gtin13("400638133393") == "4006381333931"


def test_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "day.xml"
    done = subprocess.run([sys.executable, "-m", "plugins.loyalty_pos.poslog.generate", "--count", "50", "--seed",
                           "3", "--stores", "2", "--tills", "2", str(out)], cwd=ROOT, capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == f"{out}: 50 transactions"
    assert len(parse(out.read_bytes(), "day.xml")) == 50
    assert {d.body["store"] for d in parse(out.read_bytes(), "day.xml")} == {"S001", "S002"}

"""The loyalty engine end to end on a live hub: earning, returns, pending points, expiry,
tiers, card-less receipts, web-shop orders, and the ledger proof."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from loyalty_fixtures import (
    PROGRAMME,
    STORE,
    balance,
    ledger_sum_equals_balances,
    line,
    loyalty_hub,
    member,
    post,
    receipt,
    sale,
)

from hub.api import (
    ConditionCalculation,
    Money,
    OrderStatus,
    Partner,
    PartnerKind,
    PartnerRole,
    PricingCondition,
    Quantity,
    SalesItem,
    SalesOrder,
    utcnow,
)
from plugins.loyalty_pos.engine.ledger import Entry, credit
from plugins.loyalty_pos.json_codec import read_json
from plugins.loyalty_pos.poslog.generate import write_day
from plugins.loyalty_pos.store.tables import accounts, ledger, lots, members as members_table


def test_a_sale_earns_per_euro_with_multipliers_and_a_return_reverses_its_line(tmp_path: Path,
                                                                              database_url: str) -> None:
    with loyalty_hub(tmp_path, database_url=database_url) as hub:
        post(hub, sale(1, [line(1, "10.00", "HEAT"), line(2, "5.50")], card="C1"))
        shown = member(hub, "C1")
        assert shown["status"] == "provisional" and shown["cards"] == ["C1"]
        account = balance(hub, "C1")
        assert (account["balance"], account["pending"], account["available"]) == (25, 25, 0)
        back = {"store": STORE, "workstation": "01", "business_day": utcnow().date().isoformat(),
                "sequence_number": "1", "line": 1}
        post(hub, sale(2, [line(1, "10.00", "HEAT", kind="return", returned_from=back)], kind="return"))
        assert balance(hub, "C1")["balance"] == 5
        reversal = member(hub, "C1")["recent"][0]
        assert reversal["kind"] == "reversal" and reversal["points"] == -20
        assert reversal["receipt"] == receipt(2) and reversal["reason"] == f"return of line 1 of {receipt(1)}"
        post(hub, sale(3, [line(1, "10.00", "HEAT", kind="return", returned_from=back)], kind="return"))
        assert balance(hub, "C1")["balance"] == 5, "a line returned twice reverses its points once"
        assert hub.cli_json("loyalty", "check") == {"accounts": 1, "ok": True, "problems": []}


def test_tax_is_taken_out_and_excluded_groups_and_small_spends_earn_nothing(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        taxed = line(1, "11.90")
        taxed["taxes"] = [{"code": "VAT19", "rate": 19, "amount": "1.90", "base": "10.00"}]
        post(hub, sale(1, [taxed, line(2, "50.00", "GIFTCARD")], card="C1"))
        assert balance(hub, "C1")["balance"] == 10
        post(hub, sale(2, [line(1, "0.99")], card="C1"))
        assert balance(hub, "C1")["balance"] == 10


def test_training_cancelled_and_card_less_receipts_earn_nothing_until_assigned(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        post(hub, sale(1, [line(1, "20.00")], card="C1"))
        post(hub, sale(2, [line(1, "30.00")], card="C1", training=True))
        post(hub, sale(3, [line(1, "40.00")], card="C1", status="cancelled"))
        post(hub, sale(4, [line(1, "50.00")]))
        assert balance(hub, "C1")["balance"] == 20
        assigned = hub.cli_json("loyalty", "assign", receipt(4), "C1")
        assert assigned == {"receipt": receipt(4), "member": member(hub, "C1")["member"], "points": 50}
        assert balance(hub, "C1")["balance"] == 70
        with pytest.raises(RuntimeError, match="no POS transaction"):
            hub.cli_json("loyalty", "assign", f"{STORE}/01/2020-01-01/999", "C1")
        with pytest.raises(RuntimeError, match="no member has card or id"):
            hub.cli_json("loyalty", "assign", receipt(4), "C404")


def test_a_receipt_assigned_later_earns_for_its_member_and_its_return_takes_from_that_member(
        tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        post(hub, sale(1, [line(1, "20.00")], card="C1"))
        post(hub, sale(2, [line(1, "30.00"), line(2, "12.00")]))
        assert hub.cli_json("loyalty", "assign", receipt(2), "C1")["points"] == 42  # type: ignore[index]
        assert hub.cli_json("loyalty", "assign", receipt(2), "C1")["points"] == 0  # type: ignore[index]
        back = {"store": STORE, "workstation": "01", "business_day": utcnow().date().isoformat(),
                "sequence_number": "2", "line": 1}
        post(hub, sale(3, [line(1, "30.00", kind="return", returned_from=back)], kind="return"))
        assert balance(hub, "C1")["balance"] == 20 + 42 - 30
        assert member(hub, "C1")["recent"][0]["reason"] == f"return of line 1 of {receipt(2)}"
        assert hub.cli_json("loyalty", "check")["ok"] is True  # type: ignore[index]


def test_points_expire_first_expiring_first_and_the_expiry_job_posts_expiries(tmp_path: Path,
                                                                             database_url: str) -> None:
    with loyalty_hub(tmp_path, database_url=database_url) as hub:
        post(hub, sale(1, [line(1, "1.00")], card="C1"))
        member_id = member(hub, "C1")["member"]
        today = utcnow().date()
        with hub.context("loyalty_pos").transaction() as tx:
            for points, expires in ((30, today - dt.timedelta(days=1)), (20, today + dt.timedelta(days=10)),
                                    (40, today + dt.timedelta(days=100))):
                credit(tx.connection, Entry(member_id, "BONUS", "adjustment", points, utcnow(), reason="test"),
                       today - dt.timedelta(days=60), expires)
        dry = hub.cli_json("loyalty", "expire", "--dry-run")
        assert isinstance(dry, dict) and (dry["lots"], dry["points"], dry["dry_run"]) == (1, 30, True)
        assert balance(hub, "C1")["balance"] == 91
        done = hub.cli_json("loyalty", "expire")
        assert isinstance(done, dict) and (done["lots"], done["points"]) == (1, 30)
        assert hub.cli_json("loyalty", "expire")["points"] == 0  # type: ignore[index]
        account = balance(hub, "C1")
        assert (account["balance"], account["available"], account["expiring_soon"]) == (61, 60, 20)
        hub.cli_json("loyalty", "adjust", "C1", "-25", "--type", "BONUS", "--reason", "goodwill reversed")
        remaining = sorted((lot["expires_on"], lot["remaining"]) for lot in member(hub, "C1")["lots"])
        assert [points for _, points in remaining] == [35, 1]
        with pytest.raises(RuntimeError, match="cannot take 1000"):
            hub.cli_json("loyalty", "adjust", "C1", "-1000", "--type", "BONUS", "--reason", "too much")
        with pytest.raises(RuntimeError, match="no point type 'MILES'"):
            hub.cli_json("loyalty", "adjust", "C1", "5", "--type", "MILES", "--reason", "typo")
        assert hub.cli_json("loyalty", "check")["ok"] is True  # type: ignore[index]


def test_tiers_follow_qualifying_points_and_gold_earns_its_extra_rule(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        post(hub, sale(1, [line(1, "600.00")], card="C1"))
        assert member(hub, "C1")["tier"] == "SILVER"
        post(hub, sale(2, [line(1, "1500.00")], card="C1"))
        assert member(hub, "C1")["tier"] == "GOLD"
        post(hub, sale(3, [line(1, "100.00")], card="C1"))
        assert balance(hub, "C1")["balance"] == 600 + 1500 + 100 + 50


def test_receipts_posted_in_one_chunk_earn_as_if_posted_one_by_one(tmp_path: Path) -> None:
    """A chunk's receipts are settled together (one enrolment per new card, members read
    once): a card's second receipt of the chunk still earns at the tier its first reached."""
    with loyalty_hub(tmp_path) as hub:
        tills = [sale(1, [line(1, "2100.00")], card="NEW1"), sale(2, [line(1, "100.00")], card="NEW1"),
                 sale(3, [line(1, "30.00")], card="NEW2"), sale(4, [line(1, "20.00")], card="NEW2")]
        documents = [doc for payload in tills for doc in read_json(payload, "till")]
        chunks = list(hub.context("loyalty_pos").ingest_stream(documents, "json"))
        assert len(chunks) == 1 and [o.status for o in chunks[0]] == ["posted"] * 4
        assert member(hub, "NEW1")["tier"] == "GOLD"
        assert balance(hub, "NEW1")["balance"] == 2100 + 100 + 50
        assert balance(hub, "NEW2")["balance"] == 30 + 20
        with hub.runtime.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(members_table)).scalar_one() == 2
        assert ledger_sum_equals_balances(hub)


def test_the_check_fails_when_a_balance_disagrees_with_its_ledger(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        post(hub, sale(1, [line(1, "20.00")], card="C1"))
        with hub.runtime.engine.begin() as conn:
            conn.execute(accounts.update().values(balance=accounts.c.balance + 7))
        with pytest.raises(RuntimeError, match='"ledger_sum": 20'):
            hub.cli_json("loyalty", "check")


def test_enrolment_marks_the_partner_as_a_member_and_keeps_the_rest_of_its_golden_record(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        shopper = Partner(kind=PartnerKind.person, first_name="Ada", last_name="Lovelace", emails=["ada@example.org"],
                          roles=[PartnerRole.sold_to], marketing_attributes={"email_marketing": "subscribed"})
        partner = hub.upsert([shopper], source_system="ecommerce")[0].hub_id
        hub.cli_json("loyalty", "member", "enrol", partner, "--card", "C8")
        [golden] = [p for p in hub.documents("partner") if p.hub_id == partner]
        assert isinstance(golden, Partner)
        assert golden.roles == [PartnerRole.sold_to, PartnerRole.loyalty_member]
        assert golden.marketing_attributes == {"email_marketing": "subscribed", "loyalty_status": "active",
                                               "loyalty_card": "C8"}
        assert (golden.first_name, golden.last_name, golden.emails) == ("Ada", "Lovelace", ["ada@example.org"])


def test_a_members_web_shop_order_earns_once_and_a_cancellation_gives_the_points_back(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        partner = hub.upsert([Partner(kind=PartnerKind.person, last_name="Lovelace")])[0].hub_id
        enrolled = hub.cli_json("loyalty", "member", "enrol", partner, "--card", "C7")
        assert isinstance(enrolled, dict) and enrolled["partner"] == partner
        order = SalesOrder(currency="EUR", sold_to_hub_id=partner, order_date=utcnow().date(), items=[
            SalesItem(item_number=1, product_external_id="X-1", quantity=Quantity(value=Decimal(2), unit="PCE"),
                      net_value=Money(amount=Decimal("42.50"), currency="EUR"))])
        hub_id = hub.upsert([order], source_system="ecommerce")[0].hub_id
        assert hub.work_until(lambda: balance(hub, "C7")["balance"] == 42, timeout=20)
        hub.upsert([order.model_copy(update={"hub_id": hub_id, "customer_reference": "again"})],
                   source_system="ecommerce")
        cancelled = order.model_copy(update={"hub_id": hub_id, "status": OrderStatus.cancelled})
        hub.upsert([cancelled], source_system="ecommerce")
        assert hub.work_until(lambda: balance(hub, "C7")["balance"] == 0, timeout=20)
        kinds = [entry["kind"] for entry in member(hub, "C7")["recent"]]
        assert kinds == ["reversal", "accrual"]


def test_a_till_line_is_known_to_product_rules_by_its_item_id_and_its_gtin(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        programme = yaml.safe_load(PROGRAMME.read_text(encoding="utf-8"))
        programme["accrual_rules"][0]["excluded_product_hub_ids"] = ["4006381333931"]
        programme["multipliers"] = [{"code": "A2-TRIPLE", "factor": 3, "product_hub_ids": ["A0002"]}]
        (tmp_path / "products.yaml").write_text(yaml.safe_dump(programme), encoding="utf-8")
        loaded = hub.cli_json("loyalty", "programme", "load", str(tmp_path / "products.yaml"))
        assert isinstance(loaded, dict) and loaded["version"] == 2
        scanned = {**line(1, "10.00", item="A0001"), "gtin": "4006381333931"}
        post(hub, sale(1, [scanned, line(2, "10.00", item="A0002"), line(3, "10.00", item="A0003")], card="C9"))
        assert balance(hub, "C9")["balance"] == 30 + 10


def test_shipping_of_a_members_web_shop_order_earns_nothing(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        partner = hub.upsert([Partner(kind=PartnerKind.person, last_name="Hopper")])[0].hub_id
        hub.cli_json("loyalty", "member", "enrol", partner, "--card", "C8")
        eur = "EUR"
        freight = PricingCondition(type="freight", description="DHL Paket", rate=Decimal("4.95"), currency=eur,
                                   calculation=ConditionCalculation.fixed_amount,
                                   value=Money(amount=Decimal("4.95"), currency=eur))
        order = SalesOrder(currency=eur, sold_to_hub_id=partner, order_date=utcnow().date(), conditions=[freight],
                           net_value=Money(amount=Decimal("44.95"), currency=eur), items=[
            SalesItem(item_number=1, product_external_id="X-1", quantity=Quantity(value=Decimal(1), unit="PCE"),
                      net_value=Money(amount=Decimal("40.00"), currency=eur))])
        hub.upsert([order], source_system="ecommerce")
        assert hub.work_until(lambda: balance(hub, "C8")["balance"] > 0, timeout=20)
        assert balance(hub, "C8")["balance"] == 40
        assert hub.cli_json("loyalty", "check")["ok"] is True  # type: ignore[index]


def test_a_generated_day_earns_and_reverses_and_the_ledger_proves_every_balance(tmp_path: Path,
                                                                               database_url: str) -> None:
    with loyalty_hub(tmp_path, database_url=database_url) as hub:
        out = io.BytesIO()
        write_day(out, 400, seed=3, stores=2, tills=2, day=utcnow().date(), card_share=0.6)
        outcomes = hub.context("loyalty_pos").ingest(out.getvalue(), "day.xml", "application/xml")
        assert not [o for o in outcomes if o.failed]
        with hub.runtime.engine.connect() as conn:
            kinds = dict(conn.execute(sa.select(ledger.c.kind, sa.func.count()).group_by(ledger.c.kind)).all())
            assert conn.execute(sa.select(sa.func.count()).select_from(lots)).scalar_one() == kinds["accrual"]
        assert kinds["accrual"] > 100 and kinds.get("reversal", 0) > 0
        again = hub.context("loyalty_pos").ingest(out.getvalue(), "day.xml", "application/xml")
        assert {o.status for o in again} == {"duplicate"}
        check = hub.cli_json("loyalty", "check")
        assert isinstance(check, dict) and check["ok"] is True and check["accounts"] > 50
        assert ledger_sum_equals_balances(hub)


def test_a_broken_programme_file_is_refused_with_every_problem(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        broken = tmp_path / "broken.yaml"
        broken.write_text("code: CLUB\nname: Club\ncurrency: EURO\nvalid_from: someday\npoint_types: []\n")
        with pytest.raises(RuntimeError) as refused:
            hub.cli_json("loyalty", "programme", "load", str(broken))
        message = str(refused.value)
        assert "exited 1" in message and str(broken) in message
        assert all(field in message for field in ("currency", "valid_from", "point_types")), message
        (tmp_path / "list.yaml").write_text("- not a mapping\n")
        with pytest.raises(RuntimeError, match="a programme is a YAML mapping"):
            hub.cli_json("loyalty", "programme", "load", str(tmp_path / "list.yaml"))
        for bad in ("code: [unclosed\n", "valid_from: 2024-02-30\n", "\xff\xfe"):
            (tmp_path / "bad.yaml").write_bytes(bad.encode("latin-1"))
            with pytest.raises(RuntimeError, match="not a readable YAML file"):
                hub.cli_json("loyalty", "programme", "load", str(tmp_path / "bad.yaml"))
        same = hub.cli_json("loyalty", "programme", "load", str(PROGRAMME))
        assert isinstance(same, dict) and same["version"] == 1, "the same file again changes nothing"
        renamed = tmp_path / "club.yaml"
        renamed.write_text(PROGRAMME.read_text().replace("name: Store Club", "name: Store Club 2025"))
        shown = hub.cli_json("loyalty", "programme", "load", str(renamed))
        assert isinstance(shown, dict) and (shown["hub_id"], shown["version"]) == (same["hub_id"], 2)


def test_a_tier_falls_back_only_after_its_period_without_the_points(tmp_path: Path) -> None:
    with loyalty_hub(tmp_path) as hub:
        post(hub, sale(1, [line(1, "1.00")], card="OLD"))
        post(hub, sale(2, [line(1, "1.00")], card="NEW"))
        long_ago = utcnow() - dt.timedelta(days=400)
        with hub.context("loyalty_pos").transaction() as tx:
            for card in ("OLD", "NEW"):
                member_id = member(hub, card)["member"]
                credit(tx.connection, Entry(member_id, "BONUS", "accrual", 2500, long_ago, qualifying=True),
                       long_ago.date(), None)
            tx.connection.execute(members_table.update().where(members_table.c.id == member(hub, "OLD")["member"])
                                  .values(tier_code="GOLD", tier_since=long_ago))
            tx.connection.execute(members_table.update().where(members_table.c.id == member(hub, "NEW")["member"])
                                  .values(tier_code="GOLD", tier_since=utcnow() - dt.timedelta(days=30)))
        post(hub, sale(3, [line(1, "5.00")], card="OLD"))
        assert member(hub, "OLD")["tier"] == "GOLD", "earning never downgrades"
        report = hub.cli_json("loyalty", "expire")
        assert isinstance(report, dict) and report["tiers_changed"] == 1
        assert (member(hub, "OLD")["tier"], member(hub, "NEW")["tier"]) == (None, "GOLD")

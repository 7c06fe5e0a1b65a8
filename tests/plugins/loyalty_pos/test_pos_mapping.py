"""The mapping table: every sample transaction, POSLog or JSON, becomes the canonical
retail transaction it should, through the plugin's table and the real ``hub dry-run``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from pos_fixtures import DATA, hub, map_all, mappings, no_lookup, read

from hub.core.model import RetailTransaction

SAMPLES = sorted(p.name for p in DATA.iterdir() if p.suffix in (".xml", ".json"))


def transactions(name: str) -> list[RetailTransaction]:
    documents = [result.document for result in map_all(read(name))]
    assert all(isinstance(d, RetailTransaction) for d in documents)
    return documents  # type: ignore[return-value]


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_maps_and_every_field_it_has_is_read(name: str) -> None:
    results = map_all(read(name))
    assert results
    for result in results:
        unread = [f for f in result.unmapped if not f.startswith(("extensions.", "lines.extensions."))]
        assert unread in ([], ["pos_transaction"]), unread
        document = result.document
        assert isinstance(document, RetailTransaction)
        assert document.external_ids[0].id == "/".join(
            (document.store_id, document.till_id, document.business_day.isoformat(), document.transaction_number))


def test_a_loyalty_sale_keeps_prices_discounts_taxes_tenders_and_the_card() -> None:
    sale = transactions("poslog60_day.xml")[1]
    assert (sale.store_id, sale.till_id, sale.business_day, sale.transaction_number, sale.operator_id) == \
        ("S042", "03", date(2024, 5, 18), "815", "1107")
    assert sale.started_at == datetime(2024, 5, 18, 11, 40, 55, tzinfo=timezone(timedelta(hours=2)))
    valve, clamp, tape = sale.lines
    assert (valve.product_external_id, valve.gtin, valve.product_group, valve.quantity.value, valve.quantity.unit) \
        == ("100100", "4006381333931", "HEAT", Decimal(2), "PCE")
    assert valve.regular_unit_price is not None and valve.regular_unit_price.amount == Decimal("24.90")
    assert (valve.unit_price.amount, valve.amount.amount) == (Decimal("24.90"), Decimal("44.80"))
    assert [(d.reason, d.amount.amount, d.coupon_code) for d in valve.discounts] == \
        [("CLUB5", Decimal("5.00"), "CLUB-5-XK3F9")]
    assert [(t.code, t.rate, t.amount.amount, t.base.amount if t.base else None) for t in valve.taxes] == \
        [("VAT19", Decimal(19), Decimal("7.15"), Decimal("37.65"))]
    assert clamp.voided and not valve.voided and tape.amount.amount == Decimal("7.68")
    assert sale.net_lines_amount() == sale.total.amount == Decimal("52.48")
    assert [(t.kind.value, t.amount.amount, t.card_brand, t.card_masked) for t in sale.tenders] == \
        [("card", Decimal("40.00"), "girocard", "****4321"), ("cash", Decimal("20.00"), None, None)]
    assert sale.change_given is not None and sale.change_given.amount == Decimal("7.52")
    assert sale.tax_total is not None and sale.tax_total.amount == Decimal("8.38")
    assert (sale.loyalty_card_number, sale.customer_external_id) == ("9276001234567890", "C-77812")
    assert [(r.line_number, r.promotion_id, r.reason, r.points) for r in sale.rewards] == \
        [(6, "DOUBLE-MAY", "DoublePoints", Decimal(104))]
    assert sale.counts()


def test_what_does_not_count_is_kept_and_marked() -> None:
    day = {t.transaction_number: t for t in transactions("poslog60_day.xml")}
    assert [n for n, t in day.items() if t.counts()] == ["815", "817", "818"]
    sign_on, sign_off = day["812"], day["821"]
    assert (sign_on.transaction_type.value, sign_on.control_action, sign_on.total.amount) == \
        ("control", "OperatorSignOn", Decimal(0))
    assert sign_off.control_action == "OperatorSignOff"
    assert day["816"].training and day["816"].transaction_type.value == "sale"
    assert day["816"].started_at is None and day["816"].ended_at.utcoffset() == timedelta(hours=2)
    assert (day["819"].status.value, day["819"].total.amount, len(day["819"].lines)) == ("cancelled", 0, 1)
    assert (day["820"].status.value, day["820"].total.amount) == ("suspended", Decimal("39.90"))


def test_a_return_names_the_receipt_it_returns_from() -> None:
    refund = transactions("poslog60_day.xml")[3]
    assert (refund.transaction_type.value, refund.total.amount) == ("return", Decimal("7.68"))
    (line,) = refund.lines
    assert (line.kind.value, line.quantity.value, line.amount.amount) == ("return", Decimal(1), Decimal("7.68"))
    assert line.returned_from is not None
    assert (line.returned_from.store_id, line.returned_from.till_id, line.returned_from.business_day,
            line.returned_from.transaction_number, line.returned_from.line_number) == \
        ("S042", "01", date(2024, 5, 11), "774", 3)
    assert [(t.kind.value, t.amount.amount) for t in refund.tenders] == [("cash", Decimal("7.68"))]
    assert refund.tax_total is not None and refund.tax_total.amount == Decimal("1.23")


def test_a_points_tender_carries_its_points_and_a_card_number_is_never_kept_whole() -> None:
    paid = transactions("poslog60_day.xml")[4]
    points, card = paid.tenders
    assert (points.kind.value, points.amount.amount, points.points) == ("loyalty_points", Decimal("5.00"), 500)
    assert (card.card_brand, card.card_masked) == ("Visa", "****1111")


def test_older_names_vendor_extensions_and_a_yen_receipt() -> None:
    sign_on, sale = transactions("poslog21_vendor_extensions.xml")
    assert (sign_on.store_id, sign_on.control_action) == ("9", "OperatorSignOn")
    assert (sale.currency, sale.total.amount, sale.lines[0].quantity.unit) == ("USD", Decimal("1.07"), "LBR")
    assert sale.discounts[0].amount.amount == Decimal("0.19") and sale.rewards[0].promotion_id == "5123"
    acme = "{http://www.acme-pos.example/tlog/poslog/2.1}"
    assert sale.lines[0].extensions[acme + "Itemizers"].startswith('<acme:Itemizers xmlns:acme="http://www.acme-pos')
    assert set(sale.extensions) == {
        acme + "ItemCount", acme + "PerformanceMetrics", f"LineItem[2]/Tender/{acme}OperatorSequence",
        f"LineItem[3]/{acme}LoyaltyMembership", f"LineItem[4]/LoyaltyReward/{acme}RewardLevel",
        f"LineItem[4]/LoyaltyReward/{acme}RewardType", f"LineItem[4]/LoyaltyReward/{acme}ExtendedRewardAmount"}
    (yen,) = transactions("poslog_old_names_no_namespace.xml")
    assert (yen.store_id, yen.till_id, yen.currency, yen.customer_external_id) == ("0031", "5001", "JPY", "JP-00017")
    assert [line.amount.amount for line in yen.lines] == [455, 647]
    assert [[d.reason for d in line.discounts] for line in yen.lines] == [["0002", "0003"], ["0001", "0003"]]
    assert yen.total.amount == 1102 and yen.change_given is not None and yen.change_given.amount == 898
    assert [(t.rate, t.amount.amount, t.base.amount if t.base else None) for t in yen.taxes] == [(8, 82, 1020)]


def test_a_6_0_writer_without_business_day_and_with_times_without_offset() -> None:
    (sale,) = transactions("poslog600_namespace_no_business_day.xml")
    assert (sale.store_id, sale.till_id, sale.transaction_number) == ("7-240-240", "101", "1966")
    assert sale.business_day == date(2024, 6, 21)
    assert sale.ended_at == datetime(2024, 6, 21, 11, 39, 10, tzinfo=UTC)
    assert sale.started_at == datetime(2024, 6, 21, 11, 38, 24, tzinfo=UTC)
    scooter, backpacks = sale.lines
    assert scooter.gtin == "03583788755593" and scooter.taxes[0].amount.amount == Decimal("19.96")
    assert backpacks.taxes == [] and backpacks.unit_price.amount == Decimal("2.49")
    assert scooter.extensions == {"{urn:sports-retail:poslog}PassionBrand":
                                  '<sps:PassionBrand xmlns:sps="urn:sports-retail:poslog">Oxelo</sps:PassionBrand>'}
    assert sale.loyalty_card_number == "2090012345678"


def test_the_json_shape() -> None:
    (sale,) = transactions("transaction_sale.json")
    assert sale.total.amount == Decimal("52.48") and sale.lines[0].unit_price.amount == Decimal("24.90")
    assert [t.kind.value for t in sale.tenders] == ["card", "loyalty_points", "cash"]
    assert sale.tenders[1].points == 500 and sale.lines[1].extensions == {"shelf": "B7"}
    assert sale.extensions == {"app_version": "4.2.1"} and sale.rewards[0].points == 104
    (refund,) = transactions("transaction_return.json")
    assert (refund.transaction_number, refund.currency, refund.transaction_type.value) == ("20940", "EUR", "return")
    assert refund.lines[0].returned_from is not None and refund.lines[0].returned_from.line_number == 2


def test_a_known_customer_is_linked_through_the_key_map() -> None:
    (raw,) = read("poslog_old_names_no_namespace.xml")
    known = {("loyalty_pos", "partner", "JP-00017"): "bp_01HZX0000000000000000PART1"}
    result = mappings().map_inbound(raw, lambda *key: known.get(key))
    assert result.document.customer_hub_id == "bp_01HZX0000000000000000PART1"  # type: ignore[attr-defined]
    assert mappings().map_inbound(raw, no_lookup).document.customer_hub_id is None  # type: ignore[attr-defined]


def test_hub_dry_run_prints_the_canonical_transactions(tmp_path: Path) -> None:
    (tmp_path / "hub.toml").write_text('[plugins.loyalty_pos]\ntimezone = "Europe/Berlin"\n', encoding="utf-8")
    for name in ("poslog60_day.xml", "transaction_sale.json"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    done = hub(tmp_path, "dry-run", "loyalty_pos", "poslog60_day.xml", "--json")
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    numbers = ["812", "815", "816", "817", "818", "819", "820", "821"]
    assert [e["document_id"] for e in entries] == [f"S042/03/2024-05-18/{n}" for n in numbers]
    assert all(e["error"] is None and e["mapping_file"].endswith("transaction.yaml") for e in entries)
    assert entries[1]["document"]["total"] == {"amount": "52.48", "currency": "EUR"}
    assert entries[0]["document"]["transaction_type"] == "control"
    text = hub(tmp_path, "dry-run", "loyalty_pos", "transaction_sale.json")
    assert text.returncode == 0 and "== pos_transaction S042/07/2024-05-18/20931" in text.stdout
    assert "1 document(s), 0 failed; nothing was written" in text.stdout

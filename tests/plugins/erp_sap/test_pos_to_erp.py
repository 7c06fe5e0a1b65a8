"""POS sales to the ERP simulator: each counted receipt as WPUBON, or a store's closed
business day as one WPUUMS, through the real queue, acknowledged with ALEAUD."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from erp_fixtures import MAPPINGS, plugin_settings

from hub.testing import samples
from hub.testing.live import LiveHub
from plugins.erp_sap.pos import close_days
from plugins.erp_sap.simulator.delivery import FollowupTarget
from plugins.erp_sap.simulator.server import ErpSimulator

QUICK = {"retry": {"max_attempts": 3, "multiplier": 0.01, "min_wait": 0.01, "max_wait": 0.1}, "poll_interval": 0.02}


@pytest.fixture
def sim() -> Iterator[ErpSimulator]:
    with ErpSimulator(shipping=None) as simulator:
        yield simulator


def _hub(tmp_path: Path, sim: ErpSimulator, channel: str) -> LiveHub:
    settings: dict[str, Any] = plugin_settings(tmp_path, idoc_url=sim.idoc_url, pos_channel=channel,
                                               replicate_partners=False)
    return LiveHub(tmp_path / "hub", {"erp_sap": settings}, mappings_dir=MAPPINGS, queue=QUICK)


def _receipt(number: str, day: str = "2024-05-18", **overrides: Any) -> samples.RetailTransaction:
    return samples.retail_transaction(hub_id=None, transaction_number=number, business_day=day, **overrides)


def _confirmed(hub: LiveHub) -> int:
    listed = hub.cli_json("messages", "--state", "confirmed")
    return len(listed) if isinstance(listed, list) else 0


def test_each_counted_receipt_goes_as_wpubon_from_its_store(tmp_path: Path, sim: ErpSimulator) -> None:
    with _hub(tmp_path, sim, "wpubon") as hub:
        sim.followups = FollowupTarget.parse(f"{hub.url}/erp_sap/idoc")
        hub.upsert([_receipt("000815"), _receipt("000816", training=True)])
        assert hub.work_until(lambda: len(sim.sales) == 1 and _confirmed(hub) >= 1, timeout=15)
        [taken] = sim.sales
        assert (taken.message_type, taken.store, taken.day) == ("WPUBON", "S042", "20240518")
        assert taken.articles == (("4006381333931", "+2", "44.80"), ("4011200296908", "+1", "7.68"))


def test_a_stores_day_goes_as_one_wpuums_once_the_day_is_closed(tmp_path: Path, sim: ErpSimulator) -> None:
    with _hub(tmp_path, sim, "wpuums") as hub:
        sim.followups = FollowupTarget.parse(f"{hub.url}/erp_sap/idoc")
        returned = _receipt("000817", transaction_type="return", lines=[{
            "line_number": 1, "kind": "return", "product_external_id": "4011200296908",
            "quantity": {"value": "1", "unit": "PCE"},
            "unit_price": {"amount": "7.68", "currency": "EUR"}, "amount": {"amount": "7.68", "currency": "EUR"}}],
            tenders=[{"kind": "cash", "amount": {"amount": "7.68", "currency": "EUR"}}], change_given=None,
            total={"amount": "7.68", "currency": "EUR"}, tax_total=None, coupon_codes=[], discounts=[])
        hub.upsert([_receipt("000815"), _receipt("000816"), returned, _receipt("000900", day="2024-05-19")])
        assert hub.work_until(lambda: _settled(hub), timeout=15)
        assert not sim.sales
        assert close_days(hub.context("erp_sap"), today=date(2024, 5, 20)) == 1
        assert hub.work_until(lambda: len(sim.sales) == 1, timeout=15)
        [day] = sim.sales
        assert (day.message_type, day.store, day.day) == ("WPUUMS", "S042", "20240518")
        assert dict((a, (q, v)) for a, q, v in day.articles) == {
            "4006381333931": ("+4", "89.60"), "4011200296908": ("+1", "7.68")}
        assert close_days(hub.context("erp_sap"), today=date(2024, 5, 20)) == 0
        assert close_days(hub.context("erp_sap"), today=date(2024, 5, 21)) == 1


def _settled(hub: LiveHub) -> bool:
    return not any(hub.cli_json("messages", "--state", state) for state in ("queued", "retrying"))

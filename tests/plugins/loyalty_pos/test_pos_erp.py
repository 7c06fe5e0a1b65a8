"""Store sales taken in by loyalty_pos reach the ERP: a POSLog day posted to the hub goes to
the ERP simulator as WPUBON per counted receipt ([plugins.erp_sap] pos_channel wpubon), each
acknowledged with ALEAUD, while its members earn their points; or, daily, as one WPUUMS
per store and day once the day is closed. Training, cancelled, suspended and control
transactions stay in the hub."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from loyalty_fixtures import PROGRAMME
from pos_fixtures import DATA

from hub.api import RetailTransaction
from hub.testing.live import LiveHub
from plugins.erp_sap.pos import close_days
from plugins.erp_sap.simulator.delivery import FollowupTarget
from plugins.erp_sap.simulator.server import ErpSimulator

QUICK = {"retry": {"max_attempts": 3, "multiplier": 0.01, "min_wait": 0.01, "max_wait": 0.1}, "poll_interval": 0.02}


def _acknowledged_receipts(hub: LiveHub, doc_type: str = "retail_transaction") -> int:
    """Receipts (or, with ``doc_type`` wpuums, store days) sent to the ERP whose ALEAUD
    confirmation is in their history. (Counted by history, not by status: an ALEAUD that
    overtakes the worker's own record of the delivery leaves the status at "delivered",
    a race of the core queue.)"""
    listed = hub.cli_json("messages", "--system", "erp_sap", "--limit", "1000")
    ids = [m["id"] for m in listed if isinstance(m, dict) and m.get("doc_type") == doc_type] \
        if isinstance(listed, list) else []
    count = 0
    for message_id in ids:
        shown = hub.cli_json("message", "show", str(message_id))
        history = shown.get("history") if isinstance(shown, dict) else None
        if isinstance(history, list) and any(isinstance(h, dict) and h.get("status") == "confirmed"
                                             for h in history):
            count += 1
    return count


def test_a_poslog_day_goes_to_the_erp_as_wpubon_and_is_acknowledged(tmp_path: Path) -> None:
    with ErpSimulator(shipping=None) as sim:
        erp: dict[str, Any] = {"idoc_url": sim.idoc_url, "pos_channel": "wpubon", "replicate_partners": False,
                               "inbound_dir": str(tmp_path / "in"), "outbound_dir": str(tmp_path / "out"),
                               "definitions_dir": str(tmp_path / "defs")}
        pos = {"timezone": "Europe/Berlin"}
        with LiveHub(tmp_path / "hub", {"erp_sap": erp, "loyalty_pos": pos}, queue=QUICK) as hub:
            sim.followups = FollowupTarget.parse(f"{hub.url}/erp_sap/idoc")
            hub.cli_json("loyalty", "programme", "load", str(PROGRAMME))
            answer = httpx.post(f"{hub.url}/loyalty_pos/poslog", content=(DATA / "poslog60_day.xml").read_bytes())
            assert answer.status_code == 200, answer.text
            receipts = [d for d in hub.documents("retail_transaction") if isinstance(d, RetailTransaction)]
            counted = [r for r in receipts if r.counts()]
            assert 0 < len(counted) < len(receipts)
            done = hub.work_until(lambda: len(sim.sales) == _acknowledged_receipts(hub) == len(counted), timeout=30)
            assert done, (len(sim.sales), _acknowledged_receipts(hub), len(counted))
            assert {s.message_type for s in sim.sales} == {"WPUBON"}
            assert sorted(s.store for s in sim.sales) == sorted(r.store_id for r in counted)
            carded = [r for r in counted if r.loyalty_card_number]
            assert carded
            for receipt in carded:
                assert receipt.loyalty_card_number is not None
                shown = hub.cli_json("loyalty", "member", "show", receipt.loyalty_card_number)
                assert isinstance(shown, dict) and shown["recent"]


def test_with_pos_channel_wpuums_a_stores_day_goes_as_one_wpuums(tmp_path: Path) -> None:
    with ErpSimulator(shipping=None) as sim:
        erp: dict[str, Any] = {"idoc_url": sim.idoc_url, "pos_channel": "wpuums", "replicate_partners": False,
                               "inbound_dir": str(tmp_path / "in"), "outbound_dir": str(tmp_path / "out"),
                               "definitions_dir": str(tmp_path / "defs")}
        pos = {"timezone": "Europe/Berlin"}
        with LiveHub(tmp_path / "hub", {"erp_sap": erp, "loyalty_pos": pos}, queue=QUICK) as hub:
            sim.followups = FollowupTarget.parse(f"{hub.url}/erp_sap/idoc")
            answer = httpx.post(f"{hub.url}/loyalty_pos/poslog", content=(DATA / "poslog60_day.xml").read_bytes())
            assert answer.status_code == 200, answer.text
            days = {(r.store_id, r.business_day) for r in hub.documents("retail_transaction")
                    if isinstance(r, RetailTransaction) and r.counts()}
            hub.work_until(lambda: not hub.cli_json("messages", "--state", "queued"), timeout=30)
            assert not sim.sales
            latest = max(day for _, day in days)
            assert close_days(hub.context("erp_sap"), today=latest + timedelta(days=2)) == len(days)
            assert hub.work_until(lambda: len(sim.sales) == len(days), timeout=30)
            assert {(s.message_type, s.store) for s in sim.sales} == {("WPUUMS", store) for store, _ in days}
            assert hub.work_until(lambda: _acknowledged_receipts(hub, "wpuums") == len(days), timeout=30)

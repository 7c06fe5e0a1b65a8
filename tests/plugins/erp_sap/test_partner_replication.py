"""Master data hub -> ERP: a partner created outside the ERP goes there as DEBMAS; the ERP's
ALEAUD names the customer number it got, which the key map then links; a later change
names that number (KUNNR), so the ERP changes its customer instead of making another."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.api import DemoStage, Partner
from hub.testing.demo import QUICK_RETRIES
from hub.testing.live import LiveHub
from plugins.erp_sap.demo import ErpDemo
from plugins.erp_sap.simulator.delivery import FollowupTarget

USER, PASSWORD = "demo", "demo-secret"

REPO = Path(__file__).resolve().parents[3]


def _sent(hub: LiveHub, hub_id: str, version: int) -> bool:
    """Whether the ERP has version ``version`` of partner ``hub_id``."""
    view = hub.cli_json("partner", "show", hub_id)
    assert isinstance(view, dict) and isinstance(view["replication"], list)
    return any(isinstance(r, dict) and r["system"] == "erp_sap" and r["version"] == version
               and r["state"] in ("sent", "confirmed") for r in view["replication"])


def test_partner_from_the_shop_reaches_the_erp_gets_its_number_and_a_change_goes_to_that_customer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    with closing(ErpDemo(DemoStage(tmp_path / "erp", USER, PASSWORD, 20))) as part, \
            LiveHub(tmp_path / "hub", {"erp_sap": part.settings}, username=USER, password=PASSWORD,
                    queue=QUICK_RETRIES) as hub:
        sim = part.sim
        sim.followups = FollowupTarget.parse(f"{hub.url}/erp_sap/idoc", USER, SecretStr(PASSWORD))
        created = hub.runtime.masterdata().upsert(
            Partner(kind="organisation", organisation_name="Neukunde Webshop GmbH", roles=["sold_to"],
                    addresses=[{"street": "Am Markt 1", "postal_code": "10115", "city": "Berlin",
                                "country": "DE"}],
                    sales_areas=[{"sales_org": "1000", "distribution_channel": "10", "division": "00",
                                  "currency": "EUR"}]),
            "ecommerce", "shop-4711")

        def numbered() -> bool:
            with hub.context("erp_sap").reading() as transaction:
                return transaction.external_id("partner", created.hub_id) is not None

        assert hub.work_until(numbered, timeout=20)
        with hub.context("erp_sap").reading() as transaction:
            number = transaction.external_id("partner", created.hub_id)
        assert number is not None and int(number) > 900000
        assert sim.backend.customer_exists(number.zfill(10))
        golden = hub.runtime.masterdata().get(created.hub_id)
        assert {(r.system, r.id) for r in golden.external_ids} == {("ecommerce", "shop-4711"),
                                                                    ("erp_sap", number)}
        changed = golden.model_copy(update={"marketing_attributes": {"loyalty_card": "C9"}})
        hub.runtime.masterdata().upsert(changed, "loyalty_pos")
        assert hub.work_until(lambda: _sent(hub, created.hub_id, 2), timeout=20)
        assert not sim.backend.customer_exists(str(int(number) + 1).zfill(10))  # the change went to that customer
        again = hub.runtime.masterdata().get(created.hub_id)
        assert [r.id for r in again.external_ids if r.system == "erp_sap"] == [number]

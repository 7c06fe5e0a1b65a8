"""Master data hub -> ERP: a partner created outside the ERP goes there as DEBMAS; the ERP's
ALEAUD names the customer number it got, which the key map then links."""

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


def test_partner_from_the_shop_reaches_the_erp_and_gets_its_number(
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

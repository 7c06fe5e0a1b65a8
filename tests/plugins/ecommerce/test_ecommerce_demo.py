"""The shops' part of ``hub demo``: after the ERP's part, every step happens; without an
ERP, the steps not done are reported (so ``hub demo`` exits 1)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest

from hub.api import DemoStage
from hub.testing.demo import QUICK_RETRIES
from hub.testing.live import LiveHub
from plugins.ecommerce.demo import ShopDemo
from plugins.erp_sap.demo import ErpDemo

USER, PASSWORD = "demo", "demo-secret"
REPO = Path(__file__).resolve().parents[3]


def test_after_the_erps_part_every_shop_step_happens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    with closing(ErpDemo(DemoStage(tmp_path / "erp", USER, PASSWORD, 20))) as erp, \
            closing(ShopDemo(DemoStage(tmp_path / "shops", USER, PASSWORD, 20))) as shops, \
            LiveHub(tmp_path / "hub", {"erp_sap": erp.settings, "ecommerce": shops.settings},
                    username=USER, password=PASSWORD, queue=QUICK_RETRIES) as hub:
        assert erp.run(hub) == []
        assert shops.run(hub) == []
        assert shops.sim.recorded("eu", "fulfillment") and shops.sim.recorded("fr", "fulfillment")


def test_without_an_erp_the_missing_steps_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DISABLED_PLUGINS", "erp_sap,loyalty_pos")
    with closing(ShopDemo(DemoStage(tmp_path / "shops", USER, PASSWORD, 20), step_seconds=0.5)) as shops, \
            LiveHub(tmp_path / "hub", {"ecommerce": shops.settings}, queue=QUICK_RETRIES) as hub:
        problems = shops.run(hub)
        waiting = hub.cli_json("inbound", "list", "--state", "waiting")
    # The shops' SKUs are the ERP's material numbers: without the ERP's materials the
    # orders arrive but wait for their products, so not one step happens.
    assert "shops: both orders arrived by webhook did not happen" in problems
    assert "shops: both orders reached the ERP did not happen" in problems
    assert len(problems) == 7
    assert isinstance(waiting, list) and waiting and all(
        "of erp_sap is not in the key map" in str(row["error"]) for row in waiting if isinstance(row, dict))

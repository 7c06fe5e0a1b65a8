"""The demo part on its own (the ERP plugin disabled): every step it shows happens."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.api import DemoStage
from hub.testing.live import LiveHub
from plugins.loyalty_pos.demo import PosDemo


def test_the_stores_part_earns_redeems_reverses_and_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HUB_DISABLED_PLUGINS", "erp_sap,ecommerce")
    part = PosDemo(DemoStage(tmp_path / "pos", "demo", "s3cret-demo", 20))
    with LiveHub(tmp_path / "hub", {"loyalty_pos": part.settings}, username="demo", password="s3cret-demo") as hub:
        assert part.run(hub) == []
    shown = capsys.readouterr().out
    assert "posted: {'posted': 100}" in shown
    assert "the till's retry with the same Idempotency-Key gets the same reservation: True" in shown
    assert "every balance equals its ledger" in shown
    assert "the ERP part is not installed" in shown
    # no web shop wrote her before: her sign-up at the till makes her partner
    assert "Anna Schmidt (anna.schmidt@example.de) joins the club at store" in shown and "(new to the hub)" in shown
    assert "her receipt" in shown and ": 201 posted; she has" in shown

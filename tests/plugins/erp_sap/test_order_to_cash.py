"""Order to cash end to end: the demo's flow against the real simulator, SOAP and IDoc ports.

Initial load over HTTP, sales orders over SOAP (zeep), one ERP failure that blocks only
its own order's queue until it is fixed and retried, ORDRSP, DESADV and INVOIC02 back through
the hub's IDoc-XML HTTP port (each order delivered with a tracking number), a stock report
(LOISTD) and a price change (MATMAS), ALEAUD both ways.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.erp_sap.demo import run_demo

REPO = Path(__file__).resolve().parents[3]


def test_order_to_cash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    report = run_demo(tmp_path / "demo", records=40, orders=4)
    assert report.problems == []
    assert (report.partners, report.products) == (40, 40)
    assert all(t.erp_number and t.invoice_hub_id for t in report.orders)
    assert [t.was_blocked for t in report.orders] == [False, False, True, False]
    assert {t.message_status for t in report.orders} == {"confirmed"}
    assert {t.order_status for t in report.orders} == {"in_process"}
    assert {t.delivery_status for t in report.orders} == {"delivered"}
    assert all(t.tracking and t.tracking.startswith("DHL Paket JJD0099") for t in report.orders)
    assert report.inbound == {"ORDRSP": 4, "DESADV": 4, "INVOIC": 4, "LOISTD": report.stock_levels}
    assert report.stock_levels >= 2
    assert report.price_change.endswith("-> 99.90 EUR")
    assert report.acks_to_erp == 12 + report.stock_levels + 1

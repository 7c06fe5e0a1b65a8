"""Order to cash end to end: the demo's flow against the real simulator, SOAP and IDoc ports.

Initial load over HTTP, sales orders over SOAP (zeep), one ERP failure that blocks only
its own order's queue until it is fixed and retried, ORDRSP, DESADV and INVOIC02 back through
the hub's IDoc-XML HTTP port (each order delivered with a tracking number), a stock report
(LOISTD) and a price change (MATMAS), ALEAUD both ways.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from hub.api import DemoStage, Product
from hub.testing.demo import QUICK_RETRIES
from hub.testing.live import LiveHub
from plugins.erp_sap.demo import NEW_PRICE, ErpDemo
from plugins.erp_sap.demo_report import collect_report


def test_order_to_cash(tmp_path: Path) -> None:
    with closing(ErpDemo(DemoStage(tmp_path / "erp", "demo", "demo-secret", 40), orders=4)) as part, \
            LiveHub(tmp_path / "hub", {"erp_sap": part.settings}, username="demo", password="demo-secret",
                    queue=QUICK_RETRIES) as hub:
        assert part.run(hub) == []
        orders = sorted(h for h in (d.hub_id for d in hub.documents("sales_order")) if h)
        report = collect_report(hub, part.sim, orders, "", 0.0)
        repriced = [p for p in hub.documents("product") if isinstance(p, Product)
                    and [lp.price.amount for lp in p.list_prices] == [NEW_PRICE]]
    assert (report.partners, report.products) == (40, 40)
    assert all(t.erp_number and t.invoice_hub_id for t in report.orders)
    assert sorted(t.was_blocked for t in report.orders) == [False, False, False, True]
    assert {t.message_status for t in report.orders} == {"confirmed"}
    assert {t.order_status for t in report.orders} == {"completed"}  # billed in full
    assert {t.delivery_status for t in report.orders} == {"delivered"}
    assert all(t.tracking and t.tracking.startswith("DHL Paket JJD0099") for t in report.orders)
    assert report.inbound == {"ORDRSP": 4, "DESADV": 4, "INVOIC": 4, "LOISTD": report.stock_levels}
    assert report.stock_levels >= 2
    assert len(repriced) == 1
    assert report.acks_to_erp == 12 + report.stock_levels + 1

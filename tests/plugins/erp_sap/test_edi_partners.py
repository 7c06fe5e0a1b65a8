"""Orders from an EDI partner, posted as ORDERS05 to the hub's IDoc port, created in the
ERP simulator by the sales-order SOAP call (real HTTP and SOAP servers, real zeep); the
ERP's own ORDERS05 stay the ERP's, as before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from erp_fixtures import MAPPINGS, plugin_settings, queued_acknowledgements

from hub.api import SalesOrder
from hub.testing.live import LiveHub
from plugins.erp_sap.settings import ErpSapSettings
from plugins.erp_sap.simulator.edi_orders import EDI_PARTNER, edi_order_idoc
from plugins.erp_sap.simulator.idocxml import document
from plugins.erp_sap.simulator.masterdata import customer, product
from plugins.erp_sap.simulator.masterdata_idocs import debmas_idoc, matmas_idoc
from plugins.erp_sap.simulator.server import ErpSimulator

QUICK = {"retry": {"max_attempts": 3, "multiplier": 0.01, "min_wait": 0.01, "max_wait": 0.1}, "poll_interval": 0.02}
CREATED = datetime(2026, 12, 7, tzinfo=UTC)


@pytest.fixture
def sim() -> Iterator[ErpSimulator]:
    with ErpSimulator() as simulator:
        yield simulator


@pytest.fixture
def hub(tmp_path: Path, sim: ErpSimulator) -> Iterator[LiveHub]:
    table = plugin_settings(tmp_path, wsdl=sim.wsdl_url, idoc_url=sim.idoc_url, timeout=5.0,
                            replicate_partners=False, edi_partners={EDI_PARTNER.sender_partner: "acme"})
    with LiveHub(tmp_path / "hub", {"erp_sap": table}, mappings_dir=MAPPINGS, queue=QUICK) as live:
        ingest = live.context("erp_sap").ingest
        ingest(document("DEBMAS07", [debmas_idoc(customer(0), f"{1:016d}", CREATED)]), "debmas.xml")
        ingest(document("MATMAS05", [matmas_idoc(product(n), f"{2 + n:016d}", CREATED) for n in range(2)]),
               "matmas.xml")
        yield live


def _post(hub: LiveHub, payload: bytes) -> httpx.Response:
    return httpx.post(f"{hub.url}/erp_sap/idoc", content=payload, headers={"Content-Type": "application/xml"},
                      timeout=30)


def _order(hub: LiveHub, system: str, number: str) -> SalesOrder | None:
    with hub.context("erp_sap").reading() as transaction:
        hub_id = transaction.find("sales_order", number, system)
        document = transaction.document(hub_id) if hub_id else None
    assert document is None or isinstance(document, SalesOrder)
    return document


def _erp_number(hub: LiveHub, hub_id: str) -> str | None:
    with hub.context("erp_sap").reading() as transaction:
        return transaction.external_id("sales_order", hub_id)


def test_an_edi_partners_order_is_created_in_the_erp_by_soap_and_gets_its_number(
        hub: LiveHub, sim: ErpSimulator) -> None:
    materials = [product(0).number, product(1).number]
    order = edi_order_idoc(f"{9001:016d}", "4500017", customer(0).number, materials, CREATED)
    answer = _post(hub, document("ORDERS05", [order]))
    assert answer.status_code == 200 and answer.json()["summary"] == {"posted": 1}, answer.text
    stored = _order(hub, "acme", "4500017")  # the partner's number, in its own system
    assert stored is not None and stored.sold_to_hub_id
    assert _order(hub, "erp_sap", "4500017") is None  # not the ERP's number
    assert hub.work_until(lambda: _erp_number(hub, str(stored.hub_id)) is not None, timeout=30)
    erp_number = _erp_number(hub, str(stored.hub_id))
    [created] = sim.orders.values()
    assert created.erp_id.lstrip("0") == erp_number
    assert created.request.sold_to.lstrip("0") == customer(0).number.lstrip("0")
    assert [item.material.lstrip("0") for item in created.request.items] == [m.lstrip("0") for m in materials]
    # The ERP sent it no IDoc: it is sent no acknowledgement of one.
    assert f"{9001:016d}" not in [a["docnum"] for a in queued_acknowledgements(hub.runtime.engine)]


def test_the_erps_own_orders_stay_the_erps_and_are_not_sent_back(hub: LiveHub, sim: ErpSimulator) -> None:
    from plugins.erp_sap.simulator.idocxml import DEFAULT_PARTNERS

    order = edi_order_idoc(f"{9002:016d}", "12345", customer(0).number, [product(0).number], CREATED,
                           partners=DEFAULT_PARTNERS)
    answer = _post(hub, document("ORDERS05", [order]))
    assert answer.status_code == 200 and answer.json()["summary"] == {"posted": 1}, answer.text
    stored = _order(hub, "erp_sap", "12345")
    assert stored is not None
    hub.work_until(lambda: False, timeout=1)
    assert sim.orders == {}
    assert f"{9002:016d}" in [a["docnum"] for a in queued_acknowledgements(hub.runtime.engine)]


def test_an_edi_partner_needs_a_system_name_of_its_own() -> None:
    with pytest.raises(ValueError, match="EDI partner EDI_ACME: 'erp_sap' is not a system name of its own"):
        ErpSapSettings(edi_partners={"EDI_ACME": "erp_sap"})
    with pytest.raises(ValueError, match="same system name"):
        ErpSapSettings(edi_partners={"EDI_ACME": "edi", "EDI_BETA": "edi"})

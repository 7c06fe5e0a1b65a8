"""Which sales orders the release subscription takes: only those that name a contract.

Every web-shop and ERP order is a sales order, and almost none calls off a contract; a
release message for each would cost a queue row, a delivery and a transaction that
count nothing (four per shop order as the ERP moves it).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.api import JsonValue
from hub.core.masterdata import Incoming
from hub.core.queue.tables import messages
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate
from hub.testing import samples
from plugins.contracts.releases import calls_off_contract

RELEASES = "subscription:releases"


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[HubRuntime]:
    others = [ep.name for ep in metadata.entry_points(group="crm_hub.plugins") if ep.name != "contracts"]
    hub = HubRuntime(HubSettings(database_url=database_url, mappings_dir=tmp_path / "mappings",
                                 disabled_plugins=others, plugins={"contracts": {}}))
    migrate.upgrade(hub.engine)
    yield hub
    hub.close()


def _release_messages(runtime: HubRuntime) -> list[str]:
    with runtime.engine.connect() as conn:
        return list(conn.execute(sa.select(messages.c.hub_id).where(messages.c.transport == RELEASES)).scalars())


def test_only_orders_that_name_a_contract_queue_a_release_message(runtime: HubRuntime) -> None:
    plain = samples.sales_order(hub_id=None, external_ids=[], references=[])
    by_header = samples.sales_order(hub_id=None, external_ids=[], references=[
        {"doc_type": "sales_contract", "external_id": "0040000001", "external_system": "erp_sap"}])
    items = [item.model_dump() for item in plain.items]
    items[0]["references"] = [{"doc_type": "sales_contract", "hub_id": "sc_01", "item_number": 10}]
    by_item = samples.sales_order(hub_id=None, external_ids=[], references=[], items=items)
    results = runtime.masterdata().upsert_many([Incoming(order, "ecommerce") for order in (plain, by_header, by_item)])
    assert sorted(_release_messages(runtime)) == sorted(r.hub_id for r in results[1:])


@pytest.mark.parametrize(("data", "wanted"), [
    ({"references": [{"doc_type": "quotation", "hub_id": "qt_1"}], "items": [{"references": []}]}, False),
    ({"references": [], "items": [{"references": [{"doc_type": "sales_contract", "hub_id": "sc_1"}]}]}, True),
    ({"references": [{"doc_type": "sales_contract", "external_id": "40000001"}]}, True),
    ({"items": None, "references": None}, False),
])
def test_calls_off_contract_reads_header_and_item_references(data: dict[str, JsonValue], wanted: bool) -> None:
    assert calls_off_contract("sales_order", data) is wanted

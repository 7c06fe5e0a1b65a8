"""Quotation to order in the core: the order copied from the quotation, and exactly one
order however many acceptances race for it (threads on one database, each in its own
transaction, on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from hub.core.masterdata import Incoming
from hub.core.masterdata.quotations import Acceptance, accept_quotation, order_from
from hub.core.model.sales import SalesOrder
from hub.core.runtime import HubRuntime
from hub.core.store import documents
from hub.testing import samples


def test_the_order_follows_from_the_quotation() -> None:
    quotation = samples.quotation(status="accepted")
    order = order_from(quotation, date(2026, 12, 7))
    assert isinstance(order, SalesOrder)
    assert [(r.doc_type, r.hub_id) for r in order.references] == [("quotation", quotation.hub_id)]
    assert [(i.item_number, i.quantity, i.status, i.references[-1].item_number) for i in order.items] == \
        [(i.item_number, i.quantity, "open", i.item_number) for i in quotation.items]
    assert (order.sold_to_hub_id, order.currency, order.gross_value, order.conditions) == \
        (quotation.sold_to_hub_id, quotation.currency, quotation.gross_value, quotation.conditions)
    assert (order.status, order.order_date) == ("open", date(2026, 12, 7))
    assert [(ref.system, ref.id) for ref in order.external_ids] == [("hub", f"quotation:{quotation.hub_id}")]


def test_acceptances_racing_make_one_order(hub_runtime: HubRuntime) -> None:
    [stored] = hub_runtime.masterdata().upsert_many([_incoming()])
    engine = hub_runtime.require_schema()
    start = threading.Barrier(4)

    def accept_one(_: int) -> Acceptance:
        service = hub_runtime.masterdata()
        start.wait()
        return accept_quotation(engine, service, stored.hub_id)

    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(accept_one, range(4)))
    assert sorted(d.created for d in done) == [False, False, False, True]
    assert len({d.order_hub_id for d in done}) == 1
    with engine.connect() as conn:
        assert documents.list_ids(conn, "sales_order") == [done[0].order_hub_id]


def _incoming() -> Incoming:
    quotation = samples.quotation(hub_id=None, status="open", quotation_date=date.today().isoformat(),
                                  valid_to=None)
    return Incoming(quotation, "hub")

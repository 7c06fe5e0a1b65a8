"""A merge leaves nothing pointing at the merged record, tells the target systems, and
``unmerge`` undoes exactly what it did, within the retention period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hub.core.masterdata.merge import MergeError
from hub.core.masterdata.unmerge import unmerge_in
from hub.core.masterdata.view import partner_view
from hub.core.model.base import utcnow
from hub.core.queue import Worker
from hub.core.runtime import HubRuntime
from hub.core.store import documents, keymap, references
from hub.testing import samples


def _duplicate(runtime: HubRuntime) -> str:
    """The customer once more, as the shop knows it, with an order and an e-mail of its own."""
    service = runtime.masterdata()
    return service.upsert(samples.partner(relationships=[], external_ids=[], emails=["shop@mueller.de"],
                                          phones=[], tax_numbers=[]), "ecommerce", "eu:77").hub_id


def test_merge_rewrites_every_reference_through_the_outbox(runtime: HubRuntime, landscape: Any, peer: Any) -> None:
    dup = _duplicate(runtime)
    service = runtime.masterdata()
    shop_order = service.upsert(landscape.order_doc(hub_id=None, external_ids=[], sold_to_hub_id=dup, partners=[
        {"function": "sold_to", "partner_hub_id": dup}, {"function": "ship_to", "partner_hub_id": landscape.customer}]),
        "ecommerce", "eu:1001").hub_id
    Worker(runtime).run_until_idle()
    peer.sent.clear()
    service.merge(landscape.customer, dup)
    Worker(runtime).run_until_idle()
    with runtime.engine.connect() as conn:
        assert references.referring(conn, dup) == {}
        order = documents.get(conn, shop_order)
        assert order.version == 2 and order.data["sold_to_hub_id"] == landscape.customer
        assert [p["partner_hub_id"] for p in order.data["partners"]] == [landscape.customer] * 2
        assert documents.history(conn, shop_order)[-1].source_system == "hub"
        assert keymap.lookup(conn, "ecommerce", "partner", "eu:77") == landscape.customer
        view = partner_view(conn, landscape.customer)
    # The target systems heard of the survivor and of the rewritten order.
    assert {(m.hub_id, m.version) for m in peer.sent} == {(landscape.customer, 2), (shop_order, 2)}
    assert shop_order in {d.hub_id for d in view.related} and view.merged_from == [dup]
    # A document that arrives later for the merged record's external id lands on the survivor.
    later = service.upsert(samples.partner(relationships=[], external_ids=[], emails=["neu@mueller.de"]),
                           "ecommerce", "eu:77")
    assert later.hub_id == landscape.customer and not later.created


def test_unmerge_restores_ids_fields_and_references(runtime: HubRuntime, landscape: Any, peer: Any) -> None:
    dup = _duplicate(runtime)
    service = runtime.masterdata()
    shop_order = service.upsert(landscape.order_doc(hub_id=None, external_ids=[], sold_to_hub_id=dup, partners=[
        {"function": "sold_to", "partner_hub_id": dup}, {"function": "ship_to", "partner_hub_id": landscape.customer}]),
        "ecommerce", "eu:1001").hub_id
    with runtime.engine.connect() as conn:
        before = documents.get(conn, landscape.customer).data
    service.merge(landscape.customer, dup)
    Worker(runtime).run_until_idle()
    peer.sent.clear()
    result = service.unmerge(dup)
    assert result.keys_moved_back == ["ecommerce:eu:77"] and result.documents_restored == [shop_order]
    assert result.fields_restored == ["emails"] and result.fields_kept == []
    Worker(runtime).run_until_idle()
    with runtime.engine.connect() as conn:
        assert documents.get(conn, landscape.customer).data == before
        assert documents.get(conn, dup).merged_into is None
        order = documents.get(conn, shop_order).data
        # Only the reference the merge rewrote goes back; the ship-to always named the customer.
        assert order["sold_to_hub_id"] == dup
        assert [p["partner_hub_id"] for p in order["partners"]] == [dup, landscape.customer]
        assert keymap.lookup(conn, "ecommerce", "partner", "eu:77") == dup
        assert set(references.referring(conn, dup)) == {shop_order}
    assert {m.hub_id for m in peer.sent} == {landscape.customer, dup, shop_order}
    with pytest.raises(MergeError, match="not merged"):
        service.unmerge(dup)


def test_unmerge_keeps_what_changed_since_the_merge(runtime: HubRuntime, landscape: Any) -> None:
    dup = _duplicate(runtime)
    service = runtime.masterdata()
    service.merge(landscape.customer, dup)
    changed = samples.partner(relationships=[], external_ids=[], emails=["only@mueller.de"])
    service.upsert(changed, "erp_sap", "0000100042")
    result = service.unmerge(dup)
    assert result.fields_kept == ["emails"] and result.fields_restored == []
    assert service.get(landscape.customer).emails == ["only@mueller.de"]  # type: ignore[attr-defined]


def test_unmerge_after_the_retention_period_is_refused(runtime: HubRuntime, landscape: Any) -> None:
    dup = _duplicate(runtime)
    runtime.masterdata().merge(landscape.customer, dup)
    with runtime.engine.begin() as conn, pytest.raises(MergeError, match="retention period of 30 day"):
        unmerge_in(conn, dup, timedelta(days=30), [], now=utcnow() + timedelta(days=31))
    with runtime.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT merged_into FROM documents WHERE hub_id = :h"),
                            {"h": dup}).scalar_one() == landscape.customer

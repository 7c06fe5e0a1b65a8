"""The 360-degree view: documents found through the reference index, each with where
it stands toward each system, read from real queue tables after real deliveries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args

import pytest
import sqlalchemy as sa

from hub.core.errors import NotFoundError
from hub.core.masterdata.document_view import document_view
from hub.core.masterdata.view import partner_view
from hub.core.model.registry import DOCUMENT_TYPES
from hub.core.queue import Worker
from hub.core.queue.confirm import record_peer_answer
from hub.core.queue.messages import utcnow
from hub.core.queue.tables import messages
from hub.core.runtime import HubRuntime
from hub.core.store import references
from hub.testing import samples


def test_every_referring_document_is_listed_with_where_it_stands(
    runtime: HubRuntime, landscape: Any, peer: Any
) -> None:
    ids = landscape
    peer.refuse.add(ids.order)
    Worker(runtime).run_until_idle()
    with runtime.engine.begin() as conn:
        first = conn.execute(sa.select(messages.c.id).where(messages.c.hub_id == ids.invoice)).scalar_one()
        record_peer_answer(conn, first, True, "posted", utcnow())
    with runtime.engine.connect() as conn:
        confirmed = {d.hub_id: d for d in partner_view(conn, "erp_sap:0000100042").related}[ids.invoice]
    assert [(r.state, r.version) for r in confirmed.replication] == [("confirmed", 1)]
    # A new version of the invoice, not delivered yet: it stands queued.
    runtime.masterdata().upsert(ids.invoice_doc(payment_status="paid", paid_amount=None), "erp_sap", "0090001234")
    with runtime.engine.connect() as conn:
        view = partner_view(conn, "erp_sap:0000100042")
    related = {d.hub_id: d for d in view.related}
    assert set(related) == {ids.order, ids.invoice, ids.contact}
    order_view = related[ids.order]
    assert order_view.roles == ["partners.partner_hub_id", "sold_to_hub_id"]
    assert order_view.external_ids == {"erp_sap": ["0000004711"]}
    [state] = order_view.replication
    assert (state.system, state.state) == ("peer", "blocked")
    assert state.error is not None and f"peer refuses {ids.order}" in state.error
    invoice_view = related[ids.invoice]
    assert invoice_view.summary["payment_status"] == "paid"
    assert invoice_view.summary["gross_value"] == "284.46 EUR"
    assert [(r.state, r.version) for r in invoice_view.replication] == [("queued", 2)]
    assert [(r.state, r.version) for r in view.replication] == [("sent", 1)]
    Worker(runtime).run_until_idle()
    with runtime.engine.connect() as conn:
        invoice_now = {d.hub_id: d for d in partner_view(conn, ids.customer).related}[ids.invoice]
        contact = partner_view(conn, ids.contact)
    assert [(r.state, r.version) for r in invoice_now.replication] == [("sent", 2)]
    # The membership names the contact person, not the customer.
    membership = next(d for d in contact.related if d.doc_type == "loyalty_membership")
    assert membership.roles == ["partner_hub_id"] and membership.replication[0].state == "sent"
    assert {d.hub_id for d in contact.related} == {ids.order, ids.membership}


def test_a_message_behind_a_blocked_one_shows_blocked(
    runtime: HubRuntime, landscape: Any, peer: Any
) -> None:
    ids = landscape
    peer.refuse.add(ids.order)
    Worker(runtime).run_until_idle()
    runtime.masterdata().upsert(ids.order_doc(customer_reference="PO-2"), "erp_sap", "0000004711")
    with runtime.engine.connect() as conn:
        view = document_view(conn, "0000004711", ["sales_order"])
    [state] = view.replication
    assert (state.state, state.version) == ("blocked", 2)
    assert state.error is not None and "peer refuses" in state.error
    assert [m["status"] for m in view.messages] == ["queued", "blocked"]
    assert [h["version"] for h in view.history] == [1, 2]
    assert view.partners[ids.customer] == ["partners.partner_hub_id", "sold_to_hub_id"]


def test_references_follow_every_version_in_the_same_transaction(runtime: HubRuntime, landscape: Any) -> None:
    ids = landscape
    other = runtime.masterdata().upsert(samples.partner(relationships=[], external_ids=[], organisation_name="Other"),
                                        "erp_sap", "0000100099")
    runtime.masterdata().upsert(ids.invoice_doc(payer_hub_id=other.hub_id), "erp_sap", "0090001234")
    with runtime.engine.connect() as conn:
        assert references.referring(conn, other.hub_id) == {ids.invoice: ["payer_hub_id"]}
        assert references.referring(conn, ids.customer)[ids.invoice] == ["sold_to_hub_id"]


def test_unknown_or_wrong_kind_of_id_is_a_clear_error(runtime: HubRuntime, landscape: Any) -> None:
    ids = landscape
    with runtime.engine.connect() as conn, pytest.raises(NotFoundError, match="is a sales_order, not a billing"):
        document_view(conn, ids.order, ["billing_document"])
    with runtime.engine.connect() as conn, pytest.raises(NotFoundError, match="no partner"):
        partner_view(conn, "erp_sap:nobody")


def _hub_id_fields(annotation: Any, seen: set[type]) -> Iterator[str]:
    for arg in (annotation, *get_args(annotation)):
        fields = getattr(arg, "model_fields", None)
        if fields is None or arg in seen:
            continue
        seen.add(arg)
        for name, info in fields.items():
            if name.endswith("_hub_id"):
                yield name
            yield from _hub_id_fields(info.annotation, seen)


def test_every_hub_id_field_of_the_model_is_known_to_the_index() -> None:
    seen: set[type] = set()
    names = {name for cls in DOCUMENT_TYPES.values() for name in _hub_id_fields(cls, seen)}
    unknown = names - references.PARTNER_REFERENCE_FIELDS - references.NON_PARTNER_REFERENCE_FIELDS
    assert not unknown, f"say whether these fields name a partner: {sorted(unknown)}"
    assert "sold_to_hub_id" in names and "product_hub_id" in names


def test_references_of_walks_lists_and_ignores_empty_values() -> None:
    data = {"sold_to_hub_id": "bp_1", "payer_hub_id": "", "items": [{"product_hub_id": "pr_1"}],
            "partners": [{"partner_hub_id": "bp_2"}, {"partner_hub_id": "bp_2"}, {"partner_hub_id": None}]}
    assert references.references_of(data) == {("sold_to_hub_id", "bp_1"), ("partners.partner_hub_id", "bp_2")}

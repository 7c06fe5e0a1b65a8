"""Billing documents and payments from the ERP simulator, over HTTP, move their orders.

The simulator bills an order the hub sent it (the follow-ups' full invoice, then
cancellations, partial invoices, credit and debit memos) and books payments, each as
IDoc-XML posted to the hub's IDoc port. The order completes when all of it is billed,
reopens when an invoice is cancelled, and is paid when its invoices are cleared.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from erp_fixtures import MAPPINGS, plugin_settings

from hub.api import BillingDocument, SalesOrder
from hub.testing.live import LiveHub
from plugins.erp_sap.simulator.delivery import FollowupTarget
from plugins.erp_sap.simulator.followup_idocs import invoic_idoc
from plugins.erp_sap.simulator.idocxml import document, new_idoc, segment
from plugins.erp_sap.simulator.masterdata import customer, product
from plugins.erp_sap.simulator.masterdata_idocs import debmas_idoc, matmas_idoc
from plugins.erp_sap.simulator.server import ErpSimulator
from plugins.erp_sap.simulator.state import OrderItem, OrderRequest, StoredOrder

QUICK = {"retry": {"max_attempts": 3, "multiplier": 0.01, "min_wait": 0.01, "max_wait": 0.1}, "poll_interval": 0.02}


@pytest.fixture
def sim() -> Iterator[ErpSimulator]:
    with ErpSimulator() as simulator:
        yield simulator


@pytest.fixture
def hub(tmp_path: Path, sim: ErpSimulator, database_url: str) -> Iterator[LiveHub]:
    table = plugin_settings(tmp_path, wsdl=sim.wsdl_url, idoc_url=sim.idoc_url, timeout=5.0,
                            replicate_partners=False)
    with LiveHub(tmp_path / "hub", {"erp_sap": table}, mappings_dir=MAPPINGS, queue=QUICK,
                 database_url=database_url) as live:
        sim.followups = FollowupTarget.parse(f"{live.url}/erp_sap/idoc")
        yield live


def _master_data(hub: LiveHub) -> tuple[str, str]:
    ingest = hub.context("erp_sap").ingest
    [partner] = ingest(document("DEBMAS07", [debmas_idoc(customer(0), f"{1:016d}")]), "debmas.xml")
    [material] = ingest(document("MATMAS05", [matmas_idoc(product(0), f"{2:016d}")]), "matmas.xml")
    assert partner.hub_id and material.hub_id
    return partner.hub_id, material.hub_id


def _order(hub: LiveHub, **overrides: Any) -> str:
    sold_to, material = _master_data(hub)
    items = [{"item_number": n, "product_hub_id": material, "quantity": {"value": quantity, "unit": "PCE"}}
             for n, quantity in ((1, "2"), (2, "3"))]
    order = SalesOrder.model_validate({"currency": "EUR", "order_date": "2026-12-01", "sold_to_hub_id": sold_to,
                                       "partners": [{"function": "sold_to", "partner_hub_id": sold_to}],
                                       "items": items, **overrides})
    [created] = hub.upsert([order])
    return created.hub_id


def _stored(hub: LiveHub, hub_id: str) -> SalesOrder:
    with hub.context("erp_sap").reading() as transaction:
        order = transaction.document(hub_id)
    assert isinstance(order, SalesOrder)
    return order


def _billing(hub: LiveHub, number: str) -> BillingDocument:
    with hub.context("erp_sap").reading() as transaction:
        found = transaction.find("billing_document", number)
        billing = transaction.document(str(found))
    assert isinstance(billing, BillingDocument)
    return billing


def _erp_order(hub: LiveHub, sim: ErpSimulator, hub_id: str) -> str:
    with hub.context("erp_sap").reading() as transaction:
        number = transaction.external_id("sales_order", hub_id)
    assert number is not None
    return number.zfill(10)


def _n(number: str) -> str:
    """An ERP number as the hub keeps it (the simulator writes leading zeros)."""
    return number.lstrip("0")


def _billed_to(hub: LiveHub, hub_id: str) -> list[tuple[str, str]]:
    """(billing type, number) of each billing document the order is linked to, in order."""
    linked = []
    for reference in _stored(hub, hub_id).references:
        if reference.doc_type == "billing_document":
            billing = _billing(hub, str(reference.external_id))
            linked.append((billing.billing_type.value, str(billing.external_id("erp_sap"))))
    return linked


def test_each_billing_type_is_linked_and_moves_the_order(hub: LiveHub, sim: ErpSimulator) -> None:
    order_id = _order(hub)
    assert hub.work_until(lambda: _stored(hub, order_id).status == "completed", timeout=30)
    erp_id = _erp_order(hub, sim, order_id)
    [(kind, invoice)] = _billed_to(hub, order_id)
    assert kind == "invoice"
    billed = _billing(hub, invoice)
    assert [r.hub_id for r in billed.references] == [order_id]
    assert [(i.reference.item_number, i.reference.hub_id) for i in billed.items if i.reference] == \
        [(1, order_id), (2, order_id)]
    assert billed.due_date is not None and billed.due_date > billed.billing_date

    cancellation = _n(sim.emit_cancellation(invoice))
    assert _stored(hub, order_id).status == "in_process"
    cancelled = _billing(hub, cancellation)
    assert (cancelled.billing_type.value, cancelled.cancelled_type) == ("cancellation", "invoice")
    assert cancelled.cancels is not None and cancelled.cancels.hub_id == billed.hub_id

    items = {item.item_id: item for item in sim.orders[erp_id].request.items}
    first, second = sorted(items)
    part = _n(sim.emit_billing(erp_id, quantities={first: items[first].quantity, second: Decimal(1)}))
    assert _stored(hub, order_id).status == "in_process"
    rest = _n(sim.emit_billing(erp_id, quantities={second: Decimal(2)}))
    assert _stored(hub, order_id).status == "completed"

    credit = _n(sim.emit_billing(erp_id, "credit_memo", quantities={second: Decimal(1)}))
    debit = _n(sim.emit_billing(erp_id, "debit_memo", quantities={first: Decimal(1)}))
    assert _billed_to(hub, order_id) == [("invoice", invoice), ("cancellation", cancellation), ("invoice", part),
                                         ("invoice", rest), ("credit_memo", credit), ("debit_memo", debit)]
    assert _stored(hub, order_id).status == "completed"
    assert (_billing(hub, credit).references[0].hub_id, _billing(hub, debit).references[0].hub_id) == \
        (order_id, order_id)

    shown = hub.cli_json("order", "show", order_id)
    assert isinstance(shown, dict)
    links = shown["links"]
    assert isinstance(links, list)
    assert [(link["billing_type"], link["external_id"]) for link in links] == [  # type: ignore[index]
        ("invoice", invoice), ("cancellation", cancellation), ("invoice", part), ("invoice", rest),
        ("credit_memo", credit), ("debit_memo", debit)]


def test_payments_are_kept_on_the_billing_document_and_pay_the_order(hub: LiveHub, sim: ErpSimulator) -> None:
    order_id = _order(hub)
    assert hub.work_until(lambda: _stored(hub, order_id).status == "completed", timeout=30)
    [(_, invoice)] = _billed_to(hub, order_id)
    gross = _billing(hub, invoice).gross_value.amount
    assert _stored(hub, order_id).payment_status is None

    part = (gross / 3).quantize(Decimal("0.01"))
    sim.emit_payment(invoice, part)
    billing = _billing(hub, invoice)
    assert (billing.payment_status.value, billing.paid_amount and billing.paid_amount.amount) == \
        ("partially_paid", part)
    assert _stored(hub, order_id).payment_status == "partially_paid"

    sim.emit_payment(invoice)
    billing = _billing(hub, invoice)
    assert (billing.payment_status.value, billing.paid_amount and billing.paid_amount.amount) == ("cleared", gross)
    assert billing.open_amount().amount == 0
    assert _stored(hub, order_id).payment_status == "paid"

    shown = hub.cli_json("invoice", "show", f"erp_sap:{invoice}")
    assert isinstance(shown, dict)
    payment = shown["payment"]
    assert isinstance(payment, dict)
    assert (payment["status"], payment["paid"], payment["open"], payment["overdue"]) == \
        ("cleared", f"{gross} EUR", "0.00 EUR", False)


def test_a_cancellation_names_the_cancelled_document_as_the_referenced_document(
        hub: LiveHub, sim: ErpSimulator) -> None:
    """SAP's qualifier list (EDI_QUALFR) has 011 for a referenced document number; 031 is a
    return leg number, which an earlier table used."""
    order_id = _order(hub)
    assert hub.work_until(lambda: _stored(hub, order_id).status == "completed", timeout=30)
    order = sim.orders[_erp_order(hub, sim, order_id)]
    idoc = invoic_idoc(order, "0092000001", f"{68:016d}", billing_type="S1", cancels="0090000007")
    assert [(e.findtext("QUALF"), e.findtext("BELNR")) for e in idoc.iter("E1EDK02")
            if e.findtext("BELNR") == "0090000007"] == [("011", "0090000007")]


def test_an_invoice_past_its_due_date_with_something_open_shows_overdue(hub: LiveHub, sim: ErpSimulator) -> None:
    order_id = _order(hub)
    assert hub.work_until(lambda: _stored(hub, order_id).status == "completed", timeout=30)
    order = sim.orders[_erp_order(hub, sim, order_id)]
    late = datetime.now(UTC) - timedelta(days=60)
    idoc = invoic_idoc(order, "0091000001", f"{66:016d}", created=late, billing_type="L2")
    [outcome] = hub.context("erp_sap").ingest(document("INVOIC02", [idoc]), "late.xml")
    assert outcome.status == "posted", outcome.error
    shown = hub.cli_json("invoice", "show", "erp_sap:91000001")
    assert isinstance(shown, dict) and isinstance(shown["payment"], dict)
    assert (shown["payment"]["status"], shown["payment"]["overdue"]) == ("open", True)
    gross = _billing(hub, "91000001").gross_value.amount
    answer = httpx.post(f"{hub.url}/erp_sap/idoc", content=_remadv(67, "91000001", str(gross)), timeout=10)
    assert [i["status"] for i in answer.json()["idocs"]] == ["posted"]
    shown = hub.cli_json("invoice", "show", "erp_sap:91000001")
    assert isinstance(shown, dict) and isinstance(shown["payment"], dict)
    assert (shown["payment"]["status"], shown["payment"]["overdue"]) == ("cleared", False)


def _remadv(docnum: int, invoice: str, amount: str, currency: str = "EUR", reference: bool = True) -> bytes:
    idoc = new_idoc("PEXR2002", "REMADV", f"{docnum:016d}")
    segment(idoc, "E1IDKU1", [("BGMREF", f"14{docnum:08d}")])
    line = segment(idoc, "E1IDPU1", [("DOCNAME", "INV")])
    if reference:
        segment(line, "E1EDP02", [("QUALF", "009"), ("BELNR", invoice)])
    segment(line, "E1IDPU5", [("MOAQUAL", "001"), ("MOABETR", amount), ("CUXWAERZ", currency)])
    return document("PEXR2002", [idoc])


@pytest.mark.parametrize(("invoice", "amount", "currency", "reference", "field", "reason"), [
    ("KNOWN", "10.00", "EUR", False, "E1IDPU1[1]/E1EDP02[QUALF=009].BELNR", "is not named"),
    ("99999999", "10.00", "EUR", True, "E1IDPU1[1]/E1EDP02[QUALF=009].BELNR", "no billing document 99999999"),
    ("KNOWN", "ten", "EUR", True, "E1IDPU1[1]/E1IDPU5[MOAQUAL=001].MOABETR", "is not an amount"),
    ("KNOWN", "5.00-", "EUR", True, "E1IDPU1[1]/E1IDPU5[MOAQUAL=001].MOABETR", "is not an amount"),
    ("KNOWN", "-5.00", "EUR", True, "E1IDPU1[1]/E1IDPU5[MOAQUAL=001].MOABETR", "a payment is a positive amount"),
    ("KNOWN", "NaN", "EUR", True, "E1IDPU1[1]/E1IDPU5[MOAQUAL=001].MOABETR", "a payment is a positive amount"),
    ("KNOWN", "10.00", "USD", True, "E1IDPU1[1]/E1IDPU5[MOAQUAL=001].CUXWAERZ", "paid in USD"),
    ("KNOWN", "10.00", "E1", True, "E1IDPU1[1]/E1IDPU5[MOAQUAL=001].CUXWAERZ", "not an ISO 4217"),
    ("KNOWN", "999999.00", "EUR", True, "E1IDPU1[1]/E1IDPU5[MOAQUAL=001].MOABETR", "exceeds the gross value"),
])
def test_a_malformed_payment_advice_is_refused_naming_document_field_and_reason(
        hub: LiveHub, sim: ErpSimulator, invoice: str, amount: str, currency: str, reference: bool, field: str,
        reason: str) -> None:
    order_id = _order(hub)
    assert hub.work_until(lambda: _stored(hub, order_id).status == "completed", timeout=30)
    [(_, known)] = _billed_to(hub, order_id)
    before = (_billing(hub, known).model_dump(), _stored(hub, order_id).model_dump())
    answer = httpx.post(f"{hub.url}/erp_sap/idoc", content=_remadv(77, known if invoice == "KNOWN" else invoice,
                                                                     amount, currency, reference),
                        headers={"Content-Type": "application/xml"}, timeout=10)
    [outcome] = answer.json()["idocs"]
    assert outcome["status"] == "failed"
    assert outcome["error"].startswith("REMADV 0000000000000077") and field in outcome["error"] \
        and reason in outcome["error"], outcome["error"]
    assert (_billing(hub, known).model_dump(), _stored(hub, order_id).model_dump()) == before


def _advice(docnum: int, *, number: str | None = "1400000099", paid_on: str | None = None,
            amount: bool = True, lines: int = 1) -> bytes:
    idoc = new_idoc("PEXR2002", "REMADV", f"{docnum:016d}")
    header = segment(idoc, "E1IDKU1", [("BGMREF", number)])
    if paid_on is not None:
        segment(header, "E1EDK03", [("IDDAT", "026"), ("DATUM", paid_on)])
    for _ in range(lines):
        line = segment(idoc, "E1IDPU1", [("DOCNAME", "INV")])
        segment(line, "E1EDP02", [("QUALF", "009"), ("BELNR", "90000001")])
        if amount:
            segment(line, "E1IDPU5", [("MOAQUAL", "001"), ("MOABETR", "0.01"), ("CUXWAERZ", "EUR")])
    return document("PEXR2002", [idoc])


def test_a_payment_advice_without_its_parts_is_refused_naming_the_part(hub: LiveHub, sim: ErpSimulator) -> None:
    order_id = _order(hub)
    assert hub.work_until(lambda: _stored(hub, order_id).status == "completed", timeout=30)
    [(_, known)] = _billed_to(hub, order_id)
    before = _billing(hub, known).model_dump()
    cases = [(_advice(81, number=None), "E1IDKU1.BGMREF", "the payment document number is missing"),
             (_advice(82, amount=False), "E1IDPU1[1]/E1IDPU5[MOAQUAL=001]", "no amount paid against 90000001"),
             (_advice(83, lines=0), "E1IDPU1", "the advice settles no billing document"),
             (_advice(84, paid_on="20261341"), "E1EDK03[IDDAT=026].DATUM", "'20261341' is not a date")]
    for payload, field, reason in cases:
        [outcome] = hub.context("erp_sap").ingest(payload, "advice.xml")
        assert outcome.status == "failed" and outcome.error is not None
        assert outcome.error.startswith("REMADV 00000000000000") and field in outcome.error \
            and reason in outcome.error, outcome.error
    assert _billing(hub, known).model_dump() == before


def test_a_malformed_invoice_is_refused_and_writes_nothing(hub: LiveHub, sim: ErpSimulator) -> None:
    order_id = _order(hub)
    assert hub.work_until(lambda: _stored(hub, order_id).status == "completed", timeout=30)
    erp_id = _erp_order(hub, sim, order_id)
    _issued, idoc = sim.billing.bill(sim.orders[erp_id], "debit_memo")
    total = idoc.find("E1EDS01[SUMID='011']/SUMME")
    assert total is not None
    total.text = "12,34x"
    before = (hub.count("billing_document"), _stored(hub, order_id).model_dump())
    answer = httpx.post(f"{hub.url}/erp_sap/idoc", content=document("INVOIC02", [idoc]),
                        headers={"Content-Type": "application/xml"}, timeout=10)
    [outcome] = answer.json()["idocs"]
    assert outcome["status"] == "failed"
    assert outcome["error"].startswith("INVOIC ") and "gross_value" in outcome["error"] \
        and "E1EDS01" in outcome["error"], outcome["error"]
    assert (hub.count("billing_document"), _stored(hub, order_id).model_dump()) == before


def test_the_simulator_bills_cancels_and_books_payments_over_its_control_routes(
        hub: LiveHub, sim: ErpSimulator) -> None:
    order_id = _order(hub)
    assert hub.work_until(lambda: _stored(hub, order_id).status == "completed", timeout=30)
    erp_id = _erp_order(hub, sim, order_id)
    [(_, invoice)] = _billed_to(hub, order_id)
    with httpx.Client(base_url=sim.base_url, timeout=10) as control:
        assert control.post(f"/sim/billing/{invoice}/cancel").status_code == 200
        assert _stored(hub, order_id).status == "in_process"
        again = control.post(f"/sim/orders/{erp_id}/billing", json={"kind": "invoice"})
        number = _n(again.json()["number"])
        assert _stored(hub, order_id).status == "completed"
        assert control.post(f"/sim/billing/{number}/payments", json={}).status_code == 200
        assert _billing(hub, number).payment_status == "cleared"
        assert _stored(hub, order_id).payment_status == "paid"
        refused = [control.post(f"/sim/orders/{erp_id}/billing", json={"kind": "pro_forma"}),
                   control.post(f"/sim/billing/{number}/payments", json={"amount": "0.01"}),
                   control.post(f"/sim/billing/{invoice}/cancel"),
                   control.post(f"/sim/orders/{erp_id}/billing", json=[1])]
        assert [r.status_code for r in refused] == [400, 400, 400, 400]
        assert "no billing kind 'pro_forma'" in refused[0].json()["error"]
        assert "EUR open; a payment of 0.01 does not fit" in refused[1].json()["error"]
        assert "is cancelled by" in refused[2].json()["error"]
        issued = {i["number"].lstrip("0"): i for i in control.get("/sim/billing").json()}
    assert issued[number]["paid"] == issued[number]["gross"]


def test_an_invoice_that_comes_before_its_orders_number_waits_for_it(tmp_path: Path) -> None:
    """The ERP may bill before the worker that created the order has committed the order's
    ERP number: the invoice waits, then links to its order, as a delivery does (kept
    unlinked, it would never reach its order, nor a contract's billing request)."""
    with LiveHub(tmp_path / "hub", {"erp_sap": plugin_settings(tmp_path, replicate_partners=False)},
                 mappings_dir=MAPPINGS) as hub:
        sold_to, material = _master_data(hub)
        order = SalesOrder.model_validate({
            "currency": "EUR", "order_date": "2026-12-01", "sold_to_hub_id": sold_to,
            "partners": [{"function": "sold_to", "partner_hub_id": sold_to}],
            "items": [{"item_number": 1, "product_hub_id": material, "quantity": {"value": "2", "unit": "PCE"}}]})
        [created] = hub.upsert([order])
        item = OrderItem(item_id="1", material=product(0).number, quantity=Decimal(2), unit="PCE")
        request = OrderRequest(buyer_id=created.hub_id, sold_to=customer(0).number, sales_org="1000",
                               distribution_channel="10", division="00", items=(item,))
        billed = StoredOrder("0000004711", request, "EUR", datetime.now(UTC), "soap")
        idoc = invoic_idoc(billed, "0090000001", f"{9:016d}")
        [outcome] = hub.context("erp_sap").ingest(document("INVOIC02", [idoc]), "invoic9.xml")
        assert outcome.status == "waiting" and outcome.waiting_for == ("erp_sap", "sales_order", "4711")
        assert hub.count("billing_document") == 0
        with hub.context("erp_sap").transaction() as transaction:
            transaction.link("sales_order", "4711", created.hub_id)
        assert hub.work_until(lambda: hub.count("billing_document") == 1, timeout=30)
        invoice = _billing(hub, "90000001")
        assert [r.hub_id for r in invoice.references] == [created.hub_id]
        assert hub.work_until(lambda: _billed_to(hub, created.hub_id) == [("invoice", "90000001")], timeout=30)
        assert _stored(hub, created.hub_id).status == "completed"

"""Sales orders to the ERP simulator over SOAP and ORDERS05 IDoc, through the real queue."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from erp_fixtures import erp_numbers, erp_runtime, queue_rows
from pydantic import SecretStr

from hub.core.errors import TransientError
from hub.core.model.base import utcnow
from hub.core.queue import NewMessage, Worker, enqueue
from hub.core.queue.admin import retry_queue
from hub.core.runtime import HubRuntime
from hub.core.store import keymap
from hub.testing import samples
from hub.testing.peer import Answer, RecordingPeer
from plugins.erp_sap.idoc.codec import IdocCodecs
from plugins.erp_sap.idoc_out import IdocSender, IdocTransport
from plugins.erp_sap.settings import ErpSapSettings
from plugins.erp_sap.simulator.idocxml import document
from plugins.erp_sap.simulator.masterdata import customer, product
from plugins.erp_sap.simulator.masterdata_idocs import debmas_idoc, matmas_idoc
from plugins.erp_sap.simulator.server import ErpSimulator
from plugins.erp_sap.transports import SoapOrderTransport, order_transport_factory

QUICK_RETRIES = {"retry": {"min_wait": 0.0, "multiplier": 0.001, "max_attempts": 3}}


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[ErpSimulator]:
    with ErpSimulator(timeout_seconds=2, followups=f"file:{tmp_path / 'followups'}") as simulator:
        yield simulator


def _hub(database_url: str, tmp_path: Path, sim: ErpSimulator, **overrides: object) -> HubRuntime:
    return erp_runtime(database_url, tmp_path, queue=QUICK_RETRIES, wsdl=sim.wsdl_url, idoc_url=sim.idoc_url,
                       timeout=5, **overrides)


def _from_erp(runtime: HubRuntime) -> tuple[str, str]:
    """A customer and a material the ERP sent us (so both have ERP numbers): their hub ids."""
    created = datetime(2024, 5, 2, tzinfo=UTC)
    ingest = runtime.ingestor("erp_sap").ingest
    [partner] = ingest(document("DEBMAS07", [debmas_idoc(customer(0), f"{1:016d}", created)]), "debmas.xml")
    [material] = ingest(document("MATMAS05", [matmas_idoc(product(0), f"{2:016d}", created)]), "matmas.xml")
    assert partner.hub_id and material.hub_id
    return partner.hub_id, material.hub_id


def _order(sold_to: str, material: str) -> samples.SalesOrder:
    item = samples.sales_order().items[0].model_dump(mode="json")
    return samples.sales_order(
        hub_id="so_01HZX00000000000000TRANSP1", external_ids=[], sold_to_hub_id=sold_to,
        partners=[{"function": "sold_to", "partner_hub_id": sold_to}],
        items=[{**item, "product_hub_id": material, "product_external_id": None}])


def _deliver_until_settled(runtime: HubRuntime, seconds: float = 10.0) -> None:
    """Run a worker until no message waits for a (quick) retry any more."""
    deadline = time.monotonic() + seconds
    worker = Worker(runtime)
    while True:
        worker.run_until_idle()
        if all(r.status != "retrying" for r in queue_rows(runtime.engine)) or time.monotonic() > deadline:
            return
        time.sleep(0.02)


def _order_message(runtime: HubRuntime) -> object:
    """The order's message to the ERP (the store plugin's loyalty subscription queues its own)."""
    [row] = [r for r in queue_rows(runtime.engine) if r.doc_type == "sales_order" and r.system == "erp_sap"]
    return row


def test_an_order_goes_to_the_erp_over_soap_and_its_number_into_the_key_map(
        database_url: str, tmp_path: Path, sim: ErpSimulator) -> None:
    runtime = _hub(database_url, tmp_path, sim)
    try:
        sold_to, material = _from_erp(runtime)
        runtime.masterdata().upsert(_order(sold_to, material), "ecommerce")
        Worker(runtime).run_until_idle()
        message = _order_message(runtime)
        assert message.status == "confirmed" and message.transport == "orders", message.last_error
        [erp_id] = sim.orders
        stored = sim.orders[erp_id]
        assert stored.request.buyer_id == message.hub_id and stored.request.sold_to == customer(0).number
        assert [i.material for i in stored.request.items] == [product(0).number]
        assert erp_numbers(runtime.engine, "sales_order") == {erp_id.lstrip("0"): 1}, \
            "the key map keeps SAP numbers without ALPHA zeros, as ORDRSP and INVOIC map them"
    finally:
        runtime.close()


def test_an_order_waits_while_its_sold_to_has_no_erp_number(
        database_url: str, tmp_path: Path, sim: ErpSimulator) -> None:
    runtime = _hub(database_url, tmp_path, sim)
    try:
        _, material = _from_erp(runtime)
        shop_customer = runtime.masterdata().upsert(samples.partner(hub_id=None, external_ids=[]), "ecommerce")
        runtime.masterdata().upsert(_order(shop_customer.hub_id, material), "ecommerce")
        started = utcnow()
        Worker(runtime).run_until_idle()
        message = _order_message(runtime)
        assert message.status == "retrying" and sim.orders == {}
        assert "has no ERP number yet" in message.last_error and shop_customer.hub_id in message.last_error
        assert (message.next_attempt_at - started).total_seconds() >= 5, "waits as long as the transport asks"

        with runtime.engine.begin() as conn:  # the customer's own replication reached the ERP
            keymap.link(conn, keymap.ExternalKey("erp_sap", "partner", customer(5).number.lstrip("0")),
                        shop_customer.hub_id)
            retry_queue(conn, message.queue, utcnow())
        Worker(runtime).run_until_idle()
        assert _order_message(runtime).status == "confirmed"
        [stored] = sim.orders.values()
        assert stored.request.sold_to == customer(5).number
    finally:
        runtime.close()


def test_transient_erp_failures_are_retried_then_delivered(
        database_url: str, tmp_path: Path, sim: ErpSimulator) -> None:
    runtime = _hub(database_url, tmp_path, sim)
    try:
        sold_to, material = _from_erp(runtime)
        runtime.masterdata().upsert(_order(sold_to, material), "ecommerce")
        sim.fail_next("http500")
        sim.fail_next("fault")
        _deliver_until_settled(runtime)
        message = _order_message(runtime)
        assert message.status == "confirmed", message.history
        assert message.attempts == 3 and len(sim.orders) == 1
        errors = [h["error"] for h in message.history if h["status"] == "retrying"]
        assert len(errors) == 2 and "HTTP 500" in errors[0] and "temporarily unavailable" in errors[1]
    finally:
        runtime.close()


def test_the_order_channel_setting_chooses_the_transport(database_url: str, tmp_path: Path,
                                                         sim: ErpSimulator) -> None:
    for channel, kind in (("soap", SoapOrderTransport), ("idoc", IdocTransport)):
        runtime = _hub(database_url, tmp_path, sim, order_channel=channel)
        try:
            assert isinstance(order_transport_factory(runtime.plugin_context("erp_sap")).creates, kind)
        finally:
            runtime.close()


def test_an_order_goes_to_the_erp_as_orders05_over_http(
        database_url: str, tmp_path: Path, sim: ErpSimulator) -> None:
    runtime = _hub(database_url, tmp_path, sim, order_channel="idoc")
    try:
        sold_to, material = _from_erp(runtime)
        runtime.masterdata().upsert(_order(sold_to, material), "ecommerce")
        Worker(runtime).run_until_idle()
        message = _order_message(runtime)
        assert message.status == "delivered", message.last_error
        [stored] = sim.orders.values()
        assert stored.inbound_docnum == f"{message.id:016d}"
        assert stored.request.sold_to == customer(0).number
        assert [i.material for i in stored.request.items] == [product(0).number]
    finally:
        runtime.close()


def test_orders05_is_written_atomically_into_the_outbound_folder(database_url: str, tmp_path: Path) -> None:
    runtime = erp_runtime(database_url, tmp_path, queue=QUICK_RETRIES, order_channel="idoc")
    try:
        sold_to, material = _from_erp(runtime)
        runtime.masterdata().upsert(_order(sold_to, material), "ecommerce")
        Worker(runtime).run_until_idle()
        message = _order_message(runtime)
        assert message.status == "delivered", message.last_error
        written = tmp_path / "out" / f"ORDERS_{message.id:016d}.xml"
        assert sorted(p.name for p in written.parent.iterdir()) == sorted(
            [written.name] + [f"ALEAUD_{r.id:016d}.xml" for r in queue_rows(runtime.engine, "erp_sap:aleaud")])
        codecs = IdocCodecs.from_settings(ErpSapSettings(definitions_dir=tmp_path / "none"))
        [raw] = codecs.parse_file(written)
        assert raw.control["IDOCTYP"] == "ORDERS05" and raw.document_id == f"{message.id:016d}"
        ids = [s.fields.get("IDTNR") for p in raw.body if p.name == "E1EDP01" for s in p.find("E1EDP19")]
        assert ids == [product(0).number]
    finally:
        runtime.close()


def test_an_idoc_that_cannot_be_rendered_blocks_its_queue_at_once(database_url: str, tmp_path: Path) -> None:
    runtime = erp_runtime(database_url, tmp_path, queue=QUICK_RETRIES)
    try:
        with runtime.engine.begin() as conn:
            enqueue(conn, [NewMessage(system="erp_sap", queue="erp_sap:aleaud", kind="aleaud", doc_type="aleaud",
                                      hub_id="X", version=0, transport="idoc", payload={"acknowledgements": [
                                          {"docnum": "not-a-number", "status": "53", "message_type": "DEBMAS"}]})])
        Worker(runtime).run_until_idle()
        [message] = queue_rows(runtime.engine)
        assert message.status == "blocked" and message.attempts == 1
        assert message.last_error.startswith("PermanentError:") and "not-a-number" in message.last_error
    finally:
        runtime.close()


def test_the_erps_idoc_port_refusing_our_credentials_blocks_the_queue(database_url: str, tmp_path: Path) -> None:
    with ErpSimulator(username="hub", password=SecretStr("right")) as sim:
        runtime = erp_runtime(database_url, tmp_path, queue=QUICK_RETRIES, idoc_url=sim.idoc_url,
                              username="hub", password="wrong")
        try:
            list(runtime.ingestor("erp_sap").ingest(document("DEBMAS07", [debmas_idoc(customer(1), f"{7:016d}")]), "x"))
            Worker(runtime).run_until_idle()
            [ack] = queue_rows(runtime.engine, "erp_sap:aleaud")
            assert ack.status == "blocked" and "401" in ack.last_error and "wrong" not in ack.last_error
        finally:
            runtime.close()


def test_the_erps_retry_after_reaches_the_queue_from_the_idoc_port(recording_peer: RecordingPeer) -> None:
    """Regression: the IDoc port's Retry-After was dropped, so the queue retried sooner than asked."""
    recording_peer.script(Answer(503, headers={"Retry-After": "90"}), Answer(429, headers={"Retry-After": "5"}),
                          Answer(503), path="/sap/idoc")
    sender = IdocSender(ErpSapSettings(idoc_url=f"{recording_peer.url}/sap/idoc", timeout=2))
    waits = []
    for _ in range(3):
        with pytest.raises(TransientError) as failed:
            sender.deliver(b"<ORDERS05/>", "0000000000000001", "ORDERS")
        waits.append(failed.value.retry_after)
    assert waits == [90.0, 5.0, None]
    assert [r.body for r in recording_peer.requests] == [b"<ORDERS05/>"] * 3

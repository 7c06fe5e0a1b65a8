"""ALEAUD both ways: our acknowledgements of the ERP's IDocs, and the ERP's of ours."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from erp_fixtures import erp_numbers, erp_runtime, queue_rows, queued_acknowledgements, read_audit, set_field
from lxml import etree

from hub.core.queue import NewMessage, Worker, enqueue
from hub.core.queue.tables import messages
from hub.core.runtime import HubRuntime
from plugins.erp_sap.simulator.followup_idocs import aleaud_idoc
from plugins.erp_sap.simulator.idocxml import document
from plugins.erp_sap.simulator.masterdata_idocs import write_debmas, write_matmas


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[HubRuntime]:
    hub = erp_runtime(database_url, tmp_path)
    yield hub
    hub.close()


def _ingest(runtime: HubRuntime, payload: bytes) -> list[str]:
    return [o.status for o in runtime.ingestor("erp_sap").ingest(payload, "test.xml", "application/xml")]


def _debmas(tmp_path: Path, count: int, **kwargs: int) -> bytes:
    path = tmp_path / "debmas.xml"
    write_debmas(path, count, **kwargs)
    return path.read_bytes()


def _erp_audit(*states: tuple[int, bool, str | None]) -> bytes:
    """ALEAUD01 from the ERP: (our IDoc number, posted?, ERP order number) per state."""
    idocs = [aleaud_idoc(f"{n:016d}", "ORDERS", f"{900 + i:016d}",
                         ok=ok, text="Sales order saved" if ok else "Material 4711 is blocked",
                         erp_order_id=order) for i, (n, ok, order) in enumerate(states)]
    return document("ALEAUD01", idocs)


def test_posted_and_failed_idocs_are_acknowledged_53_and_51_in_one_aleaud(
        runtime: HubRuntime, tmp_path: Path) -> None:
    payload = set_field(_debmas(tmp_path, 3), "0000000000000002", "E1KNA1M", "SPRAS_ISO", "QQ")
    assert _ingest(runtime, payload) == ["posted", "failed", "posted"]
    [message] = queue_rows(runtime.engine, "erp_sap:aleaud")
    assert (message.transport, message.kind, message.status) == ("idoc", "aleaud", "queued")

    Worker(runtime).run_until_idle()
    [written] = (tmp_path / "out").iterdir()
    assert written.name == f"ALEAUD_{message.id:016d}.xml"
    acks = read_audit(written)
    assert [(a.docnum, a.status, a.message_type) for a in acks] == [
        ("0000000000000001", "53", "DEBMAS"), ("0000000000000002", "51", "DEBMAS"),
        ("0000000000000003", "53", "DEBMAS")]
    assert "QQ" in acks[1].text
    assert acks[0].object_type == "KNA1" and acks[0].object_key.startswith("bp_")


def test_redelivered_idocs_are_not_acknowledged_again(runtime: HubRuntime, tmp_path: Path) -> None:
    payload = _debmas(tmp_path, 2)
    _ingest(runtime, payload)
    assert _ingest(runtime, payload) == ["duplicate", "duplicate"]
    assert len(queue_rows(runtime.engine, "erp_sap:aleaud")) == 1


def test_idocs_of_two_message_types_with_one_number_are_both_acknowledged(
        runtime: HubRuntime, tmp_path: Path) -> None:
    customers, materials = tmp_path / "debmas.xml", tmp_path / "matmas.xml"
    write_debmas(customers, 2)
    write_matmas(materials, 2)  # also numbered 1 and 2, as ERP extracts often are
    assert _ingest(runtime, customers.read_bytes()) == ["posted", "posted"]
    assert _ingest(runtime, materials.read_bytes()) == ["posted", "posted"]
    acks = queued_acknowledgements(runtime.engine)
    assert sorted((a["message_type"], a["docnum"]) for a in acks) == [
        ("DEBMAS", "0000000000000001"), ("DEBMAS", "0000000000000002"),
        ("MATMAS", "0000000000000001"), ("MATMAS", "0000000000000002")]


def test_no_aleaud_when_acknowledging_is_switched_off(database_url: str, tmp_path: Path) -> None:
    hub = erp_runtime(database_url, tmp_path, acknowledge=False)
    try:
        assert _ingest(hub, _debmas(tmp_path, 2)) == ["posted", "posted"]
        assert queue_rows(hub.engine) == []
    finally:
        hub.close()


def _our_message(runtime: HubRuntime, system: str, hub_id: str, doc_type: str = "sales_order") -> int:
    with runtime.engine.begin() as conn:
        enqueue(conn, [NewMessage(system=system, queue=f"{system}:{doc_type}:{hub_id}", kind="upsert",
                                  doc_type=doc_type, hub_id=hub_id, version=1, payload={"data": {}},
                                  transport="idoc")])
    return max(row.id for row in queue_rows(runtime.engine) if row.hub_id == hub_id)


def _mark_delivered(runtime: HubRuntime, message_id: int) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(messages.update().where(messages.c.id == message_id).values(status="delivered"))


def test_the_erps_aleaud_confirms_or_refuses_our_idocs(runtime: HubRuntime) -> None:
    confirmed = _our_message(runtime, "erp_sap", "so_A")
    refused = _our_message(runtime, "erp_sap", "so_B")
    foreign = _our_message(runtime, "ecommerce", "so_C")
    for message_id in (confirmed, refused, foreign):
        _mark_delivered(runtime, message_id)
    audit = _erp_audit((confirmed, True, "0000004711"), (refused, False, None), (foreign, True, None),
                       (99999, True, None))
    assert _ingest(runtime, audit) == ["posted"] * 4
    rows = {row.id: row for row in queue_rows(runtime.engine)}
    assert rows[confirmed].status == "confirmed"
    assert rows[confirmed].history[-1]["detail"].startswith("status 41: application document created")
    assert rows[refused].status == "delivered"
    assert rows[refused].last_error == ("status 40: application document not created in the ERP (ERP status 51)"
                                        " Material 4711 is blocked")
    assert rows[refused].history[-1]["status"] == "peer_rejected"
    assert rows[foreign].status == "delivered" and len(rows[foreign].history) == 1, \
        "an IDoc number names a message of this plugin only"
    assert erp_numbers(runtime.engine, "sales_order") == {"4711": 1}


def test_an_aleaud_without_states_is_kept_as_failed(runtime: HubRuntime) -> None:
    audit = etree.fromstring(_erp_audit((1, True, None)))
    for state in audit.iter("E1STATE"):
        state.remove(state.find("STATUS"))
    assert _ingest(runtime, etree.tostring(audit)) == ["failed"]
    assert queue_rows(runtime.engine) == []

"""Each inbound document's "received" record is when its payload reached the hub, before
it was parsed, so that its history times parsing and mapping (``bench/e2e.py`` reads it)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from erp_fixtures import erp_runtime, inbound_payloads

from plugins.erp_sap.simulator.masterdata_idocs import write_debmas


def test_every_document_of_a_payload_is_received_when_the_payload_came_before_any_is_mapped(
        sqlite_database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "debmas.xml"
    write_debmas(path, 250)  # two chunks of the pipeline's 200
    runtime = erp_runtime(sqlite_database_url, tmp_path)
    try:
        runtime.ingestor("erp_sap").ingest(path.read_bytes(), "debmas.xml")
        with runtime.engine.connect() as conn:
            histories = [h if isinstance(h, list) else json.loads(h) for h in conn.execute(
                sa.select(inbound_payloads.c.history).order_by(inbound_payloads.c.id)).scalars()]
    finally:
        runtime.close()
    received = {record["at"] for history in histories for record in history if record["status"] == "received"}
    mapped = sorted(record["at"] for history in histories for record in history if record["status"] == "mapped")
    assert len(histories) == 250 and len(received) == 1
    assert received.pop() < mapped[0]

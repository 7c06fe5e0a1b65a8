"""Every inbound payload is kept as received; a redelivery is recorded and ignored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.core.errors import NotFoundError
from hub.core.store import archive


def test_payload_is_kept_byte_for_byte_and_duplicates_are_counted(hub_engine: sa.Engine) -> None:
    payload = b"EDI_DC40\x00\xff raw \r\n bytes"
    with hub_engine.begin() as conn:
        first = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "0000000000004711", "text/plain", payload)
        again = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "0000000000004711", "text/plain", b"other")
        other_system = archive.archive_inbound(conn, "ecommerce", "x", "0000000000004711", "a/b", b"")
    assert not first.duplicate and again.duplicate and again.id == first.id
    assert not other_system.duplicate
    with hub_engine.begin() as conn:
        archive.set_status(conn, first.id, archive.FAILED, code="51", error="segment E1KNA1M: bad")
    with hub_engine.connect() as conn:
        kept = archive.load_payload(conn, first.id)
    assert kept.payload == payload
    assert kept.duplicates == 1
    assert (kept.status, kept.error) == ("failed", "segment E1KNA1M: bad")
    assert kept.received_at.tzinfo is not None


def test_missing_payload_is_reported(hub_engine: sa.Engine) -> None:
    with hub_engine.connect() as conn, pytest.raises(NotFoundError):
        archive.load_payload(conn, 999)


def test_status_records_accumulate_in_the_history(hub_engine: sa.Engine) -> None:
    with hub_engine.begin() as conn:
        kept = archive.archive_inbound(conn, "erp_sap", "ORDERS", "42", "application/xml", b"<x/>", code="50")
        archive.set_status(conn, kept.id, "mapped", code="64", text="mapped by ORDERS.yaml@1")
        archive.set_status(conn, kept.id, archive.POSTED, code="53", hub_id="so_1", mapping="ORDERS.yaml@1")
    with hub_engine.connect() as conn:
        row = archive.load_payload(conn, kept.id)
    assert [(h["status"], h["code"]) for h in row.history] == [("received", "50"), ("mapped", "64"), ("posted", "53")]
    assert (row.status, row.hub_id, row.mapping) == ("posted", "so_1", "ORDERS.yaml@1")

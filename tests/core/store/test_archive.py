"""Every inbound payload is kept as received; a redelivery is recorded and ignored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.core.errors import NotFoundError
from hub.core.store import archive


def test_payload_is_kept_byte_for_byte_and_redeliveries_are_counted(hub_engine: sa.Engine) -> None:
    payload = b"EDI_DC40\x00\xff raw \r\n bytes"
    with hub_engine.begin() as conn:
        first = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "0000000000004711", "text/plain", payload)
        again = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "0000000000004711", "text/plain", payload)
        other_system = archive.archive_inbound(conn, "ecommerce", "x", "0000000000004711", "a/b", b"")
    assert not first.duplicate and again.duplicate and again.id == first.id
    assert not other_system.duplicate
    with hub_engine.begin() as conn:
        archive.set_status(conn, first.id, archive.FAILED, code="51", error="segment E1KNA1M: bad")
    with hub_engine.connect() as conn:
        kept = archive.load_payload(conn, first.id)
    assert kept.payload == payload
    assert kept.content_hash == archive.content_hash(payload)
    assert kept.duplicates == 1
    assert (kept.status, kept.error) == ("failed", "segment E1KNA1M: bad")
    assert kept.received_at.tzinfo is not None


def test_other_content_under_a_key_taken_is_kept_as_a_conflict(hub_engine: sa.Engine) -> None:
    with hub_engine.begin() as conn:
        first = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "K:4711", "text/plain", b"version one")
        other = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "K:4711", "text/plain", b"version two")
        other_again = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "K:4711", "text/plain", b"version two")
        third = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "K:4711", "text/plain", b"version three")
    assert not other.duplicate and other.status == archive.CONFLICT and other.conflict_of == first.id
    assert other_again.duplicate and other_again.id == other.id
    assert third.id not in (first.id, other.id) and third.conflict_of == first.id
    with hub_engine.connect() as conn:
        kept = archive.load_payload(conn, other.id)
    assert kept.payload == b"version two" and kept.duplicates == 1
    assert kept.conflict_of == first.id and f"payload {first.id}" in (kept.error or "")


def test_a_payload_archived_before_hashes_were_kept_is_compared_by_its_content(hub_engine: sa.Engine) -> None:
    with hub_engine.begin() as conn:
        old = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "DEBMAS:4711", "text/plain", b"as kept")
        conn.execute(archive.inbound.update().values(content_hash=None))
    with hub_engine.begin() as conn:
        again = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "DEBMAS:4711", "text/plain", b"as kept")
        other = archive.archive_inbound(conn, "erp_sap", "DEBMAS", "DEBMAS:4711", "text/plain", b"changed")
    assert again.duplicate and again.id == old.id
    assert other.conflict_of == old.id
    with hub_engine.connect() as conn:
        assert archive.load_payload(conn, old.id).content_hash == archive.content_hash(b"as kept")


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

"""Bad POS input: one line naming file, transaction and element; nothing of the bad
transaction posted; the file's other transactions still post; a resend posts only what
was missing; a replay of what was cut off fails again rather than posting half of it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pos_fixtures import MALFORMED, ZONE, hub, hub_folder

from hub.api import DocumentError
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import archive, migrate
from hub.core.store.tables import InboundPayloadRow
from plugins.loyalty_pos.plugin import MAPPINGS
from plugins.loyalty_pos.rejected import Rejection, rejected_document, rejected_handler

KEY = "S042/03/2024-05-18/"
EXPECTED = {
    "wrong_types.xml": ("rejected", 912, "failed: POSLog.rejected S042/03/2024-05-18/912: wrong_types.xml transaction"
                        " S042/03/2024-05-18/912: field 'Transaction/RetailTransaction/LineItem[1]/Sale/Quantity"
                        " (XML line 43)': 'abc' is not a decimal number"),
    "missing_sequence.xml": ("rejected", None, "failed: POSLog.rejected missing_sequence.xml#2: missing_sequence.xml"
                             " transaction S042/03/2024-05-18/?: field 'Transaction (XML line 28)':"
                             " SequenceNumber is missing"),
    "truncated.xml": ("rejected", 962, "failed: POSLog.rejected S042/03/2024-05-18/962: truncated.xml transaction"
                      " S042/03/2024-05-18/962: field 'Transaction/RetailTransaction/LineItem[1]/Sale/Quantity"
                      " (XML line 43, column 21)': not well-formed XML (Premature end of data in tag Quantity);"
                      " nothing from here to the end of the file was read"),
    "bad_encoding.xml": ("rejected", 972, "failed: POSLog.rejected S042/03/2024-05-18/972: bad_encoding.xml"
                         " transaction S042/03/2024-05-18/972: field 'Transaction/RetailTransaction/LineItem[1]/Sale/"
                         "Description (XML line 40, column 35)': not well-formed XML (Invalid bytes in character"
                         " encoding); nothing from here to the end of the file was read"),
    "undefined_entity.xml": ("rejected", 952, "failed: POSLog.rejected S042/03/2024-05-18/952: undefined_entity.xml"
                             " transaction S042/03/2024-05-18/952: field 'Transaction/RetailTransaction/LineItem[1]/"
                             "Sale/Description (XML line 40, column 40)': not well-formed XML (Entity 'xxe' not"
                             " defined); nothing from here to the end of the file was read"),
    "totals.xml": ("mapped", 922, "failed: POSLog S042/03/2024-05-18/922: POSLog S042/03/2024-05-18/922: field"
                   " '(document)': tenders: tenders 20.00 minus change 0 do not make the total 19.80"),
    "unknown_tender.xml": ("mapped", 942, "failed: POSLog S042/03/2024-05-18/942: POSLog S042/03/2024-05-18/942:"
                           " field 'tenders.0.kind <- tenders#1/type': 'x:TTID1000CASH' is not in value list"
                           " tender_types ("),
}
DOCTYPE = "field 'DOCTYPE': a document type declaration is refused (no DTDs or entities in POSLog)"
REFUSED = {
    "doctype_entity_expansion.xml": f"error: doctype_entity_expansion.xml: doctype_entity_expansion.xml: {DOCTYPE}",
    "doctype_external_entity.xml": f"error: doctype_external_entity.xml: doctype_external_entity.xml: {DOCTYPE}",
    "not_xml.xml": "error: not_xml.xml: not_xml.xml: field 'XML line 1, column 14': not POSLog: Specification"
                   " mandates value for attribute this",
}


def test_hub_ingest_prints_one_line_per_bad_transaction_and_posts_the_others(tmp_path: Path) -> None:
    folder = hub_folder(tmp_path / "hub", f"sqlite:///{tmp_path / 'hub.db'}")
    for name in [*EXPECTED, *REFUSED]:
        shutil.copy(MALFORMED / name, folder / name)
    assert hub(folder, "init").returncode == 0
    done = hub(folder, "ingest", "loyalty_pos", *EXPECTED, *REFUSED)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith(("failed:", "error:"))]
    assert len(errors) == len(EXPECTED) + len(REFUSED)
    for name, (_, _, line) in EXPECTED.items():
        assert any(e == line or (line.endswith("(") and e.startswith(line)) for e in errors), (name, errors)
    assert sorted(e for e in errors if e.startswith("error:")) == sorted(REFUSED.values())
    listed = json.loads(hub(folder, "inbound", "list", "--system", "loyalty_pos", "--json", "--limit", "100").stdout)
    posted = sorted(r["dedupe_key"].removeprefix(KEY) for r in listed if r["status"] == "posted")
    assert posted == ["911", "913", "921", "923", "931", "933", "941", "943", "951", "961", "971"]
    failed = sorted((r["document_kind"], r["dedupe_key"].split(":")[1] if r["document_kind"] == "POSLog.rejected"
                     else r["dedupe_key"]) for r in listed if r["status"] == "failed")
    assert failed == sorted(
        ("POSLog.rejected" if kind == "rejected" else "POSLog",
         (KEY + str(number)) if number else "missing_sequence.xml#2")
        for kind, number, _ in EXPECTED.values())


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[HubRuntime]:
    hub_runtime = HubRuntime(HubSettings(database_url=database_url, mappings_dir=tmp_path / "mappings",
                                         plugins={"loyalty_pos": {"timezone": ZONE}}))
    migrate.upgrade(hub_runtime.engine)
    yield hub_runtime
    hub_runtime.close()


def _statuses(runtime: HubRuntime, payload: bytes, name: str) -> list[tuple[str, str]]:
    return [(o.document_id, o.status) for o in runtime.ingestor("loyalty_pos").ingest(payload, name)]


def test_a_resent_file_posts_only_what_was_cut_off(runtime: HubRuntime) -> None:
    whole = (MALFORMED / "truncated.xml").read_bytes()
    assert _statuses(runtime, whole, "truncated.xml") == [(KEY + "961", "posted"), (KEY + "962", "failed")]
    complete = (MALFORMED / "truncated_resent.xml").read_bytes()
    assert _statuses(runtime, complete, "resent.xml") == \
        [(KEY + "961", "duplicate"), (KEY + "962", "posted"), (KEY + "963", "posted")]
    with runtime.engine.connect() as conn:
        rows = conn.execute(sa.select(InboundPayloadRow.__table__.c.dedupe_key, InboundPayloadRow.__table__.c.status)
                            .order_by(InboundPayloadRow.__table__.c.id)).all()
    assert [status for _, status in rows] == ["posted", "failed", "posted", "posted"]
    assert rows[1][0].startswith(f"rejected:{KEY}962:")


def test_a_replay_of_a_broken_transaction_fails_again_and_posts_nothing(runtime: HubRuntime) -> None:
    runtime.ingestor("loyalty_pos").ingest((MALFORMED / "truncated.xml").read_bytes(), "truncated.xml")
    with runtime.engine.connect() as conn:
        failed = conn.execute(sa.select(InboundPayloadRow.__table__.c.id)
                              .where(InboundPayloadRow.__table__.c.status == archive.FAILED)).scalar_one()
        kept = archive.load_payload(conn, failed)
    assert b'hub:reason="not well-formed XML' in kept.payload
    assert b"<SequenceNumber>962</SequenceNumber>" in kept.payload
    (outcome,) = runtime.ingestor("loyalty_pos").replay(failed)
    assert outcome.status == "failed" and outcome.hub_id is None
    assert outcome.error == EXPECTED["truncated.xml"][2].split(": ", 2)[2]


def test_a_transaction_refused_by_the_mapping_posts_by_replay_after_the_fix(runtime: HubRuntime,
                                                                            tmp_path: Path) -> None:
    payload = (MALFORMED / "unknown_tender.xml").read_bytes()
    assert [s for _, s in _statuses(runtime, payload, "unknown_tender.xml")] == ["posted", "failed", "posted"]
    assert [s for _, s in _statuses(runtime, payload, "unknown_tender.xml")] == ["duplicate"] * 3
    with runtime.engine.connect() as conn:
        failed = conn.execute(sa.select(InboundPayloadRow.__table__.c.id)
                              .where(InboundPayloadRow.__table__.c.status == archive.FAILED)).scalar_one()
    own = tmp_path / "mappings" / "loyalty_pos"
    shutil.copytree(MAPPINGS, own)
    with (own / "values" / "tender_types.csv").open("a", encoding="utf-8") as values:
        values.write("x:TTID1000CASH,cash,in,this store's cash\n")
    fixed = HubRuntime(runtime.settings)
    try:
        (outcome,) = fixed.ingestor("loyalty_pos").replay(failed)
    finally:
        fixed.close()
    assert (outcome.document_id, outcome.status, outcome.doc_type) == (KEY + "942", "posted", "retail_transaction")


def test_the_rejection_handler_fails_with_the_rejection_it_carries(runtime: HubRuntime) -> None:
    rejection = Rejection("day.xml", "S042/03/2024-05-18/7", "Transaction/SequenceNumber (XML line 3)", "why")
    document = rejected_document(rejection, "S042/03/2024-05-18/7", b"<POSLog/>")
    assert document.message_type == "POSLog.rejected" and document.dedupe_key.startswith("rejected:S042/03/")
    fail = rejected_handler(runtime.plugin_context("loyalty_pos"))
    with pytest.raises(DocumentError) as failed, runtime.plugin_context("loyalty_pos").transaction() as transaction:
        fail(transaction, document)
    assert str(failed.value) == ("day.xml transaction S042/03/2024-05-18/7: field"
                                 " 'Transaction/SequenceNumber (XML line 3)': why")

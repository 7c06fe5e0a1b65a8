"""Inbound dedupe cannot lose data: the key names the sender, and other content under a
key already taken is a conflict, kept and shown, never a silent duplicate."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from erp_fixtures import PYTHON, erp_runtime, inbound_payloads, queued_acknowledgements, set_field, write_hub_toml

from hub.cli.main import build_cli
from hub.core.runtime import HubRuntime
from hub.core.store import archive
from plugins.erp_sap.simulator.masterdata_idocs import write_debmas

SECOND = "0000000000000002"


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[HubRuntime]:
    hub = erp_runtime(database_url, tmp_path)
    yield hub
    hub.close()


def _debmas(tmp_path: Path, count: int = 2) -> bytes:
    path = tmp_path / "debmas.xml"
    write_debmas(path, count)
    return path.read_bytes()


def _ingest(runtime: HubRuntime, payload: bytes) -> list[str]:
    return [o.status for o in runtime.ingestor("erp_sap").ingest(payload, "test.xml", "application/xml")]


def _partner_name(runtime: HubRuntime, kunnr: str) -> str:
    with runtime.engine.connect() as conn:
        hub_id = conn.execute(sa.text("SELECT hub_id FROM key_map WHERE system = 'erp_sap' AND object_type ="
                                      " 'partner' AND external_id = :k").bindparams(k=kunnr)).scalar_one()
        data = conn.execute(sa.text("SELECT data FROM documents WHERE hub_id = :h").bindparams(h=hub_id)).scalar_one()
    return str((json.loads(data) if isinstance(data, str) else data)["organisation_name"])


def _kunnr(payload: bytes, docnum: str) -> str:
    marker = payload.index(f"<DOCNUM>{docnum}</DOCNUM>".encode())
    start = payload.index(b"<KUNNR>", marker) + len(b"<KUNNR>")
    return payload[start : payload.index(b"</KUNNR>", start)].decode().lstrip("0")


def test_the_same_number_with_other_content_is_a_conflict_kept_and_not_posted(
        runtime: HubRuntime, tmp_path: Path) -> None:
    first = _debmas(tmp_path)
    assert _ingest(runtime, first) == ["posted", "posted"]
    kunnr = _kunnr(first, SECOND)
    name_before = _partner_name(runtime, kunnr)
    changed = set_field(first, SECOND, "E1KNA1M", "NAME1", "Somebody Else GmbH")

    outcomes = runtime.ingestor("erp_sap").ingest(changed, "again.xml", "application/xml")

    assert [o.status for o in outcomes] == ["duplicate", "conflict"]
    conflict = outcomes[1]
    assert conflict.failed and conflict.conflict_of is not None and conflict.payload_id != conflict.conflict_of
    assert f"payload {conflict.conflict_of}" in (conflict.error or "")
    assert _partner_name(runtime, kunnr) == name_before  # not posted
    with runtime.engine.connect() as conn:
        kept = archive.load_payload(conn, conflict.payload_id or 0)
        versions = archive.versions_of(conn, kept)
    assert kept.status == "conflict" and b"Somebody Else GmbH" in kept.payload
    assert [h["code"] for h in kept.history] == ["50", "51"]
    assert [v.id for v in versions] == [conflict.conflict_of, conflict.payload_id]
    # The ERP hears that this IDoc was not posted.
    acks = [a for a in queued_acknowledgements(runtime.engine) if a["docnum"] == SECOND]
    assert [a["status"] for a in acks] == ["53", "51"] and "conflict" in acks[1]["text"]

    result = CliRunner().invoke(build_cli(runtime), ["inbound", "replay", str(conflict.payload_id)], obj=runtime)
    assert result.exit_code == 0, result.output
    assert _partner_name(runtime, kunnr) == "Somebody Else GmbH"


def test_a_conflict_sent_again_is_a_redelivery_of_the_conflict(runtime: HubRuntime, tmp_path: Path) -> None:
    first = _debmas(tmp_path)
    _ingest(runtime, first)
    changed = set_field(first, SECOND, "E1KNA1M", "NAME1", "Somebody Else GmbH")
    assert _ingest(runtime, changed) == ["duplicate", "conflict"]
    assert _ingest(runtime, changed) == ["duplicate", "duplicate"]
    with runtime.engine.connect() as conn:
        rows = conn.execute(sa.select(inbound_payloads.c.status, inbound_payloads.c.duplicates)
                            .order_by(inbound_payloads.c.id)).all()
    assert [tuple(r) for r in rows] == [("posted", 2), ("posted", 0), ("conflict", 1)]


@pytest.mark.parametrize(("field", "value"), [("SNDPRN", "OTHERSYS"), ("MANDT", "200"), ("SNDPOR", "SAPQ01")])
def test_the_same_number_from_another_sender_is_posted(
        runtime: HubRuntime, tmp_path: Path, field: str, value: str) -> None:
    first = _debmas(tmp_path)
    _ingest(runtime, first)
    other_sender = set_field(set_field(first, SECOND, "EDI_DC40", field, value),
                             SECOND, "E1KNA1M", "NAME1", "From Another Client AG")
    assert _ingest(runtime, other_sender) == ["duplicate", "posted"]
    assert _partner_name(runtime, _kunnr(first, SECOND)) == "From Another Client AG"


def test_two_versions_of_one_number_in_one_payload(runtime: HubRuntime, tmp_path: Path) -> None:
    payload = _debmas(tmp_path)
    twice = payload.replace(b"<DOCNUM>0000000000000001</DOCNUM>", f"<DOCNUM>{SECOND}</DOCNUM>".encode())
    outcomes = runtime.ingestor("erp_sap").ingest(twice, "twice.xml", "application/xml")
    assert [o.status for o in outcomes] == ["posted", "conflict"]
    assert outcomes[1].conflict_of == outcomes[0].payload_id


def test_a_failed_idoc_sent_again_says_how_to_replay_it(runtime: HubRuntime, tmp_path: Path) -> None:
    bad = set_field(_debmas(tmp_path), SECOND, "E1KNA1M", "SPRAS_ISO", "QQ")
    first = runtime.ingestor("erp_sap").ingest(bad, "bad.xml", "application/xml")
    assert [o.status for o in first] == ["posted", "failed"]
    again = runtime.ingestor("erp_sap").ingest(bad, "bad.xml", "application/xml")
    assert [o.status for o in again] == ["duplicate", "duplicate"]
    assert again[0].error is None
    assert again[1].payload_id == first[1].payload_id
    assert f"`hub inbound replay {first[1].payload_id}`" in (again[1].error or "")
    assert "QQ" in (again[1].error or "")


def test_hub_ingest_exits_non_zero_on_a_conflict_and_inbound_show_has_both_versions(
        database_url: str, tmp_path: Path) -> None:
    """`hub ingest` dropped a second IDoc with the same DOCNUM with exit code 0 and the word duplicate."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    write_hub_toml(workdir, database_url, tmp_path)
    first = tmp_path / "first.xml"
    first.write_bytes(_debmas(tmp_path))
    second = tmp_path / "second.xml"
    second.write_bytes(set_field(first.read_bytes(), SECOND, "E1KNA1M", "NAME1", "Somebody Else GmbH"))

    def hub(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(Path(PYTHON).with_name("hub")), *args], cwd=workdir, capture_output=True, text=True,
                              timeout=120)

    assert hub("init").returncode == 0
    assert hub("ingest", "erp_sap", str(first)).returncode == 0
    again = hub("ingest", "erp_sap", str(second), "--json")
    assert again.returncode == 1
    documents = json.loads(again.stdout)["documents"]
    assert [d["status"] for d in documents] == ["duplicate", "conflict"]
    listed = json.loads(hub("inbound", "list", "--state", "failed", "--json").stdout)
    assert [row["status"] for row in listed] == ["conflict"]
    shown = hub("inbound", "show", str(documents[1]["payload_id"]))
    assert shown.returncode == 0
    assert "Versions received under this key" in shown.stdout
    assert "-<NAME1>" in shown.stdout and "+<NAME1>Somebody Else GmbH</NAME1>" in shown.stdout

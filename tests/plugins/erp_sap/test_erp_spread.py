"""One large IDoc payload through the HTTP port or ``hub ingest``, cut into parts that the
ingest pool's processes map side by side: the same answer, in the same order, as one process.

Each test compares with the same payload ingested by a hub of one process, on a database
of its own (``alone``): outcomes, their order and errors must be identical.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from erp_fixtures import archived_keys, count_documents, erp_settings, inbound_payloads, set_field

from hub.cli.main import build_cli
from hub.core.errors import DocumentError
from hub.core.inbound.outcome import IngestOutcome
from hub.core.inbound.pool import IngestPool, IngestPoolError
from hub.core.runtime import HubRuntime
from hub.core.store import migrate
from hub.http import RunningServer, serve
from plugins.erp_sap.simulator.masterdata_idocs import write_debmas

AUTH = ("sapidoc", "s3cret!")
CUSTOMERS = 40
SOURCE = "http:127.0.0.1"
"""The source name the HTTP port gives what the test client posts."""
POOLED = "parsed and mapped by the ingest pool's processes"


def _runtime(database_url: str, tmp_path: Path, **settings: Any) -> HubRuntime:
    base = erp_settings(database_url, tmp_path, http={"port": 0, "username": AUTH[0], "password": AUTH[1]})
    runtime = HubRuntime(base.model_copy(update=settings))
    migrate.upgrade(runtime.engine)
    return runtime


@pytest.fixture
def pooled(database_url: str, tmp_path: Path) -> Iterator[tuple[HubRuntime, RunningServer]]:
    """A hub server whose ingest pool takes payloads from 10 IDocs on."""
    runtime = _runtime(database_url, tmp_path, ingest_workers=2, ingest_pool_min_documents=10)
    server = serve(runtime)
    yield runtime, server
    server.stop()
    runtime.close()


@pytest.fixture
def alone(tmp_path: Path) -> Iterator[HubRuntime]:
    """A hub of one process on a SQLite file of its own: what the answers must equal."""
    folder = tmp_path / "alone"
    folder.mkdir()
    runtime = _runtime(f"sqlite:///{folder / 'hub.db'}", folder, ingest_workers=1)
    yield runtime
    runtime.close()


@pytest.fixture
def debmas(tmp_path: Path) -> bytes:
    path = tmp_path / "debmas.xml"
    write_debmas(path, CUSTOMERS)
    return path.read_bytes()


def _post(server: RunningServer, body: bytes) -> httpx.Response:
    return httpx.post(f"{server.url}/erp_sap/idoc", content=body, headers={"Content-Type": "application/xml"},
                      auth=AUTH, timeout=120)


def _seen(outcomes: list[IngestOutcome]) -> list[tuple[str, str, str, str | None]]:
    """What the port answers of each IDoc, but for the hub id, which each database draws."""
    return [(o.document_id, o.message_type, o.status, o.error) for o in outcomes]


def _answered(answer: httpx.Response) -> list[tuple[str, str, str, str | None]]:
    return [(i["docnum"], i["message_type"], i["status"], i["error"]) for i in answer.json()["idocs"]]


def _archived_in_order(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(inbound_payloads.c.dedupe_key).order_by(inbound_payloads.c.id)).scalars())


def _docnum(n: int) -> str:
    return f"{n:016d}"


def test_a_large_payload_is_mapped_in_parts_and_answered_as_one_process_would(
        pooled: tuple[HubRuntime, RunningServer], alone: HubRuntime, debmas: bytes,
        caplog: pytest.LogCaptureFixture) -> None:
    runtime, server = pooled
    # Two IDocs in the middle cannot be mapped: failed (status 51), the others post.
    payload = set_field(set_field(debmas, _docnum(20), "E1KNA1M", "SPRAS_ISO", "QQ"),
                        _docnum(21), "E1KNA1M", "SPRAS_ISO", "XX")
    with caplog.at_level("INFO", logger="hub.core.inbound.spread"):
        answer = _post(server, payload)
    assert answer.status_code == 200, answer.text
    expected = _seen(alone.ingest_payload("erp_sap", payload, SOURCE, "application/xml"))
    assert _answered(answer) == expected
    assert [docnum for docnum, *_ in expected] == [_docnum(n) for n in range(1, CUSTOMERS + 1)]
    assert answer.json()["summary"] == {"posted": CUSTOMERS - 2, "failed": 2}
    assert f"{CUSTOMERS} documents in 2 parts, {POOLED}" in caplog.text
    # Every IDoc archived once, in the payload's order.
    assert _archived_in_order(runtime.engine) == _archived_in_order(alone.engine)
    assert len(_archived_in_order(runtime.engine)) == CUSTOMERS
    assert count_documents(runtime.engine, "partner") == CUSTOMERS - 2


def _broken(payload: bytes, docnum: str) -> bytes:
    """The payload with IDoc ``docnum``'s NAME1 closed by a wrong end tag: not XML any more."""
    start = payload.index(f"<DOCNUM>{docnum}</DOCNUM>".encode())
    end = payload.index(b"</NAME1>", start)
    return payload[:end] + b"</NAME2>" + payload[end + len(b"</NAME1>"):]


def test_a_payload_with_an_unreadable_part_is_refused_whole_with_the_error_of_one_process(
        pooled: tuple[HubRuntime, RunningServer], alone: HubRuntime, debmas: bytes) -> None:
    runtime, server = pooled
    payload = _broken(debmas, _docnum(30))  # in the second part: the first was readable
    with pytest.raises(DocumentError) as refused:
        alone.ingest_payload("erp_sap", payload, SOURCE, "application/xml")
    answer = _post(server, payload)
    assert answer.status_code == 400
    assert answer.json() == {"error": str(refused.value)}
    assert archived_keys(runtime.engine) == {} and count_documents(runtime.engine, "partner") == 0


def test_a_payload_goes_in_whole_in_the_servers_process_when_the_pool_cannot_start(
        pooled: tuple[HubRuntime, RunningServer], alone: HubRuntime, debmas: bytes,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def cannot_start(self: IngestPool) -> None:
        raise IngestPoolError("an ingest worker of erp_sap could not start: out of processes")

    monkeypatch.setattr(IngestPool, "start", cannot_start)
    runtime, server = pooled
    with caplog.at_level("INFO"):
        answer = _post(server, debmas)
    assert answer.status_code == 200
    assert _answered(answer) == _seen(alone.ingest_payload("erp_sap", debmas, SOURCE, "application/xml"))
    assert f"{SOURCE}: ingested in the hub's own process: an ingest worker of erp_sap could not start" in caplog.text
    assert POOLED not in caplog.text
    assert count_documents(runtime.engine, "partner") == CUSTOMERS


def test_hub_ingest_maps_one_large_file_in_parts_and_reports_as_one_process(
        database_url: str, tmp_path: Path, alone: HubRuntime, debmas: bytes,
        caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "customers.xml"
    path.write_bytes(set_field(debmas, _docnum(7), "E1KNA1M", "SPRAS_ISO", "QQ"))
    runtime = _runtime(database_url, tmp_path, ingest_workers=2, ingest_pool_min_documents=10)
    try:
        with caplog.at_level("INFO", logger="hub.core.inbound.spread"):
            result = CliRunner().invoke(build_cli(runtime), ["ingest", "erp_sap", str(path), "--json"], obj=runtime,
                                        catch_exceptions=False)
        report = json.loads(result.output)
        expected = alone.ingest_payload("erp_sap", path.read_bytes(), str(path), "application/xml")
        assert result.exit_code == 1  # a document failed
        assert [(d["document_id"], d["status"], d["error"]) for d in report["documents"]] == [
            (o.document_id, o.status, o.error) for o in expected]
        assert report["summary"] == {"posted": CUSTOMERS - 1, "failed": 1}
        assert re.search(rf"customers\.xml: {CUSTOMERS} documents in 2 parts, {POOLED}", caplog.text)
        assert _archived_in_order(runtime.engine) == _archived_in_order(alone.engine)
    finally:
        runtime.close()

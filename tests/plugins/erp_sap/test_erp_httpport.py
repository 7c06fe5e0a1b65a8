"""The IDoc-XML HTTP port ``POST /erp_sap/idoc`` on the hub's real server (127.0.0.1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from erp_fixtures import DATA, archived_keys, count_documents, erp_runtime, queued_acknowledgements, set_field

from hub.core.runtime import HubRuntime
from hub.core.store.db import create_engine
from hub.http import RunningServer, serve
from plugins.erp_sap.simulator.masterdata_idocs import write_debmas

AUTH = ("sapidoc", "s3cret!")
MIB = 1024 * 1024


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[tuple[HubRuntime, RunningServer]]:
    runtime = erp_runtime(database_url, tmp_path, http={"port": 0, "username": AUTH[0], "password": AUTH[1]})
    server = serve(runtime)
    yield runtime, server
    server.stop()
    runtime.close()


@pytest.fixture
def debmas(tmp_path: Path) -> bytes:
    path = tmp_path / "debmas.xml"
    write_debmas(path, 4)
    return path.read_bytes()


def _post(server: RunningServer, body: bytes | Iterator[bytes], headers: dict[str, str] | None = None,
          **kwargs: object) -> httpx.Response:
    return httpx.post(f"{server.url}/erp_sap/idoc", content=body,
                      headers={"Content-Type": "application/xml", **(headers or {})},
                      timeout=30, **kwargs)  # type: ignore[arg-type]


def test_idocs_are_stored_durably_before_the_answer(hub: tuple[HubRuntime, RunningServer], debmas: bytes,
                                                    database_url: str) -> None:
    runtime, server = hub
    answer = _post(server, debmas, auth=AUTH)
    assert answer.status_code == 200
    body = answer.json()
    assert body["summary"] == {"posted": 4}
    assert [i["docnum"] for i in body["idocs"]] == [f"{n:016d}" for n in range(1, 5)]
    assert all(i["status"] == "posted" and i["hub_id"].startswith("bp_") for i in body["idocs"])
    other = create_engine(database_url)  # another connection pool sees it committed
    try:
        assert count_documents(other, "partner") == 4 and len(archived_keys(other)) == 4
    finally:
        other.dispose()
    assert [a["status"] for a in queued_acknowledgements(runtime.engine)] == ["53"] * 4


def test_the_port_needs_the_servers_credentials(hub: tuple[HubRuntime, RunningServer], debmas: bytes) -> None:
    runtime, server = hub
    assert _post(server, debmas).status_code == 401
    assert _post(server, debmas, auth=(AUTH[0], "wrong")).status_code == 401
    assert archived_keys(runtime.engine) == {}


UNREADABLE = {
    "broken XML": (DATA / "orders05_broken.xml").read_bytes(),
    "truncated flat file": (DATA / "debmas07_truncated.txt").read_bytes(),
    "JSON": b'{"customer": 1}',
    "nothing": b"",
}


def test_an_unreadable_payload_gets_400_and_nothing_is_stored(hub: tuple[HubRuntime, RunningServer]) -> None:
    runtime, server = hub
    for what, payload in UNREADABLE.items():
        answer = _post(server, payload, auth=AUTH)
        assert answer.status_code == 400, what
        assert answer.json()["error"], what
    assert archived_keys(runtime.engine) == {} and queued_acknowledgements(runtime.engine) == []


def test_an_idoc_that_cannot_be_mapped_is_kept_as_failed_and_answered_200(
        hub: tuple[HubRuntime, RunningServer], debmas: bytes) -> None:
    runtime, server = hub
    answer = _post(server, set_field(debmas, "0000000000000002", "E1KNA1M", "SPRAS_ISO", "QQ"), auth=AUTH)
    assert answer.status_code == 200
    failed = [i for i in answer.json()["idocs"] if i["status"] == "failed"]
    assert [i["docnum"] for i in failed] == ["0000000000000002"] and "QQ" in failed[0]["error"]
    assert len(archived_keys(runtime.engine)) == 4 and count_documents(runtime.engine, "partner") == 3


def test_a_redelivery_is_harmless(hub: tuple[HubRuntime, RunningServer], debmas: bytes) -> None:
    runtime, server = hub
    assert _post(server, debmas, auth=AUTH).status_code == 200
    again = _post(server, debmas, auth=AUTH)
    assert again.status_code == 200 and again.json()["summary"] == {"duplicate": 4}
    assert count_documents(runtime.engine, "partner") == 4
    assert len(queued_acknowledgements(runtime.engine)) == 4


def test_simultaneous_redeliveries_are_all_answered_and_stored_once(
        hub: tuple[HubRuntime, RunningServer], debmas: bytes) -> None:
    runtime, server = hub
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: _post(server, debmas, auth=AUTH), range(6)))
    assert [a.status_code for a in answers] == [200] * 6, [a.text[:200] for a in answers]
    assert sum(a.json()["summary"].get("posted", 0) for a in answers) == 4
    keys = archived_keys(runtime.engine)
    assert len(keys) == 4 and set(keys.values()) == {1}
    assert count_documents(runtime.engine, "partner") == 4
    assert sorted(a["docnum"] for a in queued_acknowledgements(runtime.engine)) == [f"{n:016d}" for n in range(1, 5)]


def _peak_rss_reset() -> int:
    """Reset this process's peak RSS to its current RSS (Linux >= 4.0); return it in bytes."""
    Path("/proc/self/clear_refs").write_text("5")
    return _peak_rss()


def _peak_rss() -> int:
    found = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
    assert found is not None
    return int(found.group(1)) * 1024


def test_a_300_mb_packet_gets_413_before_it_takes_memory_and_nothing_is_stored(
        hub: tuple[HubRuntime, RunningServer]) -> None:
    """The server runs in a thread of this process, so this process's peak RSS shows
    what the server held; the client sends one 1 MiB chunk 300 times, allocating none."""
    runtime, server = hub
    chunk = b"<" * MIB

    def packet() -> Iterator[bytes]:
        for _ in range(300):
            yield chunk

    before = _peak_rss_reset()
    declared = _post(server, packet(), {"Content-Length": str(300 * MIB)}, auth=AUTH)
    chunked = _post(server, packet(), auth=AUTH)
    growth = _peak_rss() - before
    print(f"peak RSS {before / MIB:.1f} MiB before, grew by {growth / MIB:.1f} MiB")
    assert (declared.status_code, chunked.status_code) == (413, 413)
    assert growth < 64 * MIB
    assert archived_keys(runtime.engine) == {} and count_documents(runtime.engine, "partner") == 0


def test_the_port_takes_its_own_limit_from_its_settings(database_url: str, tmp_path: Path, debmas: bytes) -> None:
    runtime = erp_runtime(database_url, tmp_path, max_body_bytes=len(debmas) - 1,
                          http={"port": 0, "username": AUTH[0], "password": AUTH[1]})
    server = serve(runtime)
    try:
        assert _post(server, debmas, auth=AUTH).status_code == 413
        assert archived_keys(runtime.engine) == {}
    finally:
        server.stop()
        runtime.close()

"""``hub load`` in the ingest pool: the outcomes of one process, a real SIGKILL, a stale part."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from erp_fixtures import PYTHON, archived_keys, count_documents, erp_numbers, erp_runtime, scalar, write_hub_toml

from hub.cli.main import build_cli
from hub.core.inbound import load
from hub.core.inbound.load import LoadResult
from hub.core.inbound.loadpart import LoadPart, LoadRaceError
from hub.core.runtime import HubRuntime
from hub.core.store.tables import DocumentRow, InboundPayloadRow, KeyMapRow, PartnerMatchKeyRow
from plugins.erp_sap.idoc.split import split_idoc_file
from plugins.erp_sap.simulator.masterdata_idocs import write_debmas

BAD = 7
"""The IDoc number of the customer without a name: it fails, the load goes on."""


def _source(path: Path, count: int) -> Path:
    """``count`` customers, one of them (IDoc ``BAD``) nameless, one a copy of another
    under its own number, far from it in the file (for the duplicate check)."""
    write_debmas(path, count)
    data = path.read_bytes()
    at = data.index(b"<DOCNUM>%016d" % BAD)
    name, end = data.index(b"<NAME1>", at), data.index(b"</NAME1>", at)
    data = data[:name] + b"<NAME1></NAME1>" + data[end + len(b"</NAME1>"):]
    start, stop = data.index(b"<IDOC"), data.index(b"</IDOC>") + len(b"</IDOC>")
    twin = data[start:stop].replace(b"<DOCNUM>0000000000000001", b"<DOCNUM>0000000009999999")
    twin = twin.replace(b"<KUNNR>0000100001", b"<KUNNR>0000999999").replace(b"<KUNN2>0000100001", b"<KUNN2>0000999999")
    tail = data.rindex(b"</IDOC>") + len(b"</IDOC>")
    path.write_bytes(data[:tail] + b"\n" + twin + data[tail:])
    return path


def _run(runtime: HubRuntime, source: Path, pooled: bool) -> LoadResult:
    spec, job = runtime.initial_load("erp_sap", "customers")
    job.chunk = 150
    opened = spec.open(runtime.plugin_context("erp_sap"), str(source))
    return job.run(opened.documents, opened.source, opened.key, parts=opened.parts if pooled else None,
                   total=opened.total)


def _stored(runtime: HubRuntime) -> dict[str, Any]:
    """What a load left, with hub ids (random) replaced by the ERP numbers they stand for."""
    with runtime.engine.connect() as conn:
        numbers = dict(conn.execute(sa.select(KeyMapRow.__table__.c.hub_id, KeyMapRow.__table__.c.external_id)
                                    .where(KeyMapRow.__table__.c.system == "erp_sap")).all())
        documents = conn.execute(sa.select(DocumentRow.__table__)).all()
        archive = conn.execute(sa.select(InboundPayloadRow.__table__)).all()
        keys = conn.execute(sa.select(PartnerMatchKeyRow.__table__)).all()

    def named(value: Any) -> str:
        text = json.dumps(value, sort_keys=True, default=str)
        for hub_id, number in numbers.items():
            text = text.replace(hub_id, f"erp:{number}")
        return text

    return {
        "documents": sorted((numbers.get(d.hub_id, "?"), d.version, named(d.data)) for d in documents),
        "archive": sorted((a.dedupe_key, a.status, a.error, a.content_hash, a.hub_id is not None,
                           named([h.get("status") for h in a.history])) for a in archive),
        "match_keys": sorted((numbers.get(k.hub_id, "?"), k.key_hash) for k in keys),
    }


@pytest.fixture
def two_hubs(tmp_path: Path) -> Iterator[tuple[HubRuntime, HubRuntime]]:
    hubs = []
    for name in ("one", "pool"):
        (tmp_path / name).mkdir()
        hubs.append(erp_runtime(f"sqlite:///{tmp_path / name / 'hub.db'}", tmp_path / name))
    yield hubs[0], hubs[1]
    for hub in hubs:
        hub.close()


def test_the_pool_and_one_process_load_the_same(two_hubs: tuple[HubRuntime, HubRuntime], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "POOL_MIN_DOCUMENTS", 100)
    source = _source(tmp_path / "DEBMAS.xml", 700)
    one, pool = two_hubs
    alone, pooled = _run(one, source, pooled=False), _run(pool, source, pooled=True)
    assert (alone.processes, pooled.processes) == (1, 2)
    assert (pooled.done, pooled.failed, pooled.created) == (701, 1, 700)
    assert pooled.errors == [f"DEBMAS {BAD:016d}: DEBMAS {BAD:016d}: field '(document)': organisation_name:"
                             " an organisation needs organisation_name"]
    assert (alone.done, alone.failed, alone.created, alone.changed, alone.errors) == (
        pooled.done, pooled.failed, pooled.created, pooled.changed, pooled.errors)
    stored = _stored(one)
    assert stored == _stored(pool)
    keys = {number: {key for held, key in stored["match_keys"] if held == number} for number in ("100001", "999999")}
    assert keys["100001"] and keys["100001"] == keys["999999"], "the twin is found by its original's keys"


def test_a_load_smaller_than_the_pools_start_up_stays_in_one_process(
        two_hubs: tuple[HubRuntime, HubRuntime], tmp_path: Path) -> None:
    source = _source(tmp_path / "DEBMAS.xml", 40)
    result = _run(two_hubs[1], source, pooled=True)
    assert (result.processes, result.done, result.created) == (1, 41, 40)


def test_a_part_whose_start_was_passed_is_rolled_back(tmp_path: Path) -> None:
    runtime = erp_runtime(f"sqlite:///{tmp_path / 'hub.db'}", tmp_path)
    try:
        source = tmp_path / "DEBMAS.xml"
        write_debmas(source, 20)
        spec, job = runtime.initial_load("erp_sap", "customers")
        opened = spec.open(runtime.plugin_context("erp_sap"), str(source))
        job._begin(opened.key, opened.source, restart=False)
        first, second = split_idoc_file(source, 10)
        ahead = LoadPart(opened.key, 10, second.count, 0, "idoc-xml")
        with pytest.raises(LoadRaceError, match="moved on from document 10"):
            ahead.post(job.ingestor, ahead.prepare(job.ingestor, second.payload, "second"))
        assert count_documents(runtime.engine, "partner") == 0
        assert archived_keys(runtime.engine) == {}
        part = LoadPart(opened.key, 0, first.count, 0, "idoc-xml")
        part.post(job.ingestor, part.prepare(job.ingestor, first.payload, "first"))
        assert count_documents(runtime.engine, "partner") == 10
    finally:
        runtime.close()


# ``hub load`` in a process of its own, in the pool whatever the size, in parts of 100.
POOLED_LOAD = """
import sys
from hub.cli.main import main
from hub.core.inbound import load

init = load.InitialLoad.__init__

def small_parts(self, *args, **kwargs):
    init(self, *args, **kwargs)
    self.chunk = 100

load.POOL_MIN_DOCUMENTS = 0
load.InitialLoad.__init__ = small_parts
main(sys.argv[1:])
"""


def _children(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] not in "ZX"
    except (FileNotFoundError, IndexError):
        return False


def test_a_pooled_load_killed_mid_way_resumes_and_loads_every_customer_once(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "DEBMAS.xml"
    write_debmas(source, 2000)
    workdir = tmp_path / "work"
    workdir.mkdir()
    write_hub_toml(workdir, database_url, tmp_path)
    runtime = erp_runtime(database_url, tmp_path)
    try:
        log = tmp_path / "load.log"
        with log.open("wb") as stderr:
            child = subprocess.Popen([PYTHON, "-c", POOLED_LOAD, "load", "erp_sap", "customers", "--source",
                                      str(source), "--json"], cwd=workdir, stdout=subprocess.DEVNULL, stderr=stderr)
        done = sa.text("SELECT coalesce(max(done), 0) FROM load_runs")
        deadline = time.monotonic() + 120
        while scalar(runtime.engine, done) < 300:
            assert child.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        workers = _children(child.pid)
        assert len(workers) >= 2, "the load runs in the pool"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
        # Orphaned, the workers post at most the parts they hold, then stop.
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, "the workers of a killed load stop"
            time.sleep(0.1)
        committed = scalar(runtime.engine, done)
        assert 300 <= committed < 2000 and committed % 100 == 0
        assert count_documents(runtime.engine, "partner") == committed, "progress commits with its parts"

        monkeypatch.setattr(load, "POOL_MIN_DOCUMENTS", 0)
        answer = CliRunner().invoke(build_cli(runtime), ["load", "erp_sap", "customers", "--source", str(source),
                                                         "--json"], obj=runtime)
        assert answer.exit_code == 0, answer.output
        summary = json.loads(answer.stdout)
        assert (summary["status"], summary["resumed_from"], summary["done"], summary["processes"]) == (
            "completed", committed, 2000, 2)
        assert (summary["created"], summary["failed"]) == (2000 - committed, 0)
        numbers = erp_numbers(runtime.engine, "partner")
        assert len(numbers) == 2000 and set(numbers.values()) == {1}
        assert set(archived_keys(runtime.engine).values()) == {1}
        assert count_documents(runtime.engine, "partner") == 2000
    finally:
        runtime.close()

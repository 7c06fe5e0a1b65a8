"""The ingest pool: real worker processes on a real database, posting payloads in their order.

Also the mapping made ahead that the pool relies on (``Ingestor.prepare`` and ``post``):
a key-map answer that changed before the post makes the document map again.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from erp_fixtures import DATA, PYTHON, REPO, count_documents, erp_runtime, scalar
from lxml import etree

from hub.core.inbound.outcome import summarise
from hub.core.inbound.pool import IngestJob, IngestPool, IngestPoolError
from hub.core.runtime import HubRuntime, pool_ingestor
from plugins.erp_sap.fileport import FilePort
from plugins.erp_sap.simulator.masterdata_idocs import write_debmas

CUSTOMERS = DATA / "debmas07_zext_trimmed.txt"
ORDERS = DATA / "orders05_flat.txt"
"""Two orders of customer 100001, whom CUSTOMERS brings."""


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[HubRuntime]:
    hub = erp_runtime(database_url, tmp_path)
    yield hub
    hub.close()


def _renamed(xml: bytes, docnum: int, name: str) -> bytes:
    """One-customer DEBMAS IDoc-XML as IDoc ``docnum``, the customer called ``name``."""
    xml = re.sub(rb"<DOCNUM>\d+</DOCNUM>", b"<DOCNUM>%016d</DOCNUM>" % docnum, xml)
    return re.sub(rb"<NAME1>[^<]*</NAME1>", b"<NAME1>" + name.encode() + b"</NAME1>", xml)


def _data(runtime: HubRuntime, query: str) -> list[Any]:
    """The JSON column the query selects, decoded (SQLite hands back text)."""
    with runtime.engine.connect() as conn:
        rows = conn.execute(sa.text(query)).scalars().all()
    return [row if isinstance(row, dict) else json.loads(row) for row in rows]


def _after_filler(filler: bytes, idoc_xml: bytes) -> bytes:
    """``filler``'s IDocs with the IDoc of ``idoc_xml`` last: a file that takes long to prepare."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(filler, parser)
    root.append(etree.fromstring(idoc_xml, parser).find("IDOC"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_changes_to_one_customer_post_in_the_order_of_their_files(runtime: HubRuntime, tmp_path: Path) -> None:
    one, filler = tmp_path / "one.xml", tmp_path / "filler.xml"
    write_debmas(one, 1)
    write_debmas(filler, 300, start=1000)
    names = [f"Customer version {n}" for n in range(1, 9)]
    # Odd files carry 300 other customers first, so the even file after each is
    # prepared sooner: without turns it would post first.
    payloads = [_renamed(one.read_bytes(), n, name) for n, name in enumerate(names, start=1)]
    jobs = [IngestJob(f"DEBMAS_{n}.xml", payload=_after_filler(filler.read_bytes(), payload) if n % 2 else payload)
            for n, payload in enumerate(payloads, start=1)]
    pool = runtime.ingest_pool("erp_sap")
    assert pool is not None
    results = list(pool.run(jobs))
    assert [r.job.source_name for r in results] == [j.source_name for j in jobs]
    assert [r.error for r in results] == [None] * len(jobs)
    hub_id = scalar(runtime.engine, sa.text("SELECT hub_id FROM key_map WHERE system = 'erp_sap'"
                                            " AND object_type = 'partner' AND external_id = '100001'"))
    versions = _data(runtime, f"SELECT data FROM document_versions WHERE hub_id = '{hub_id}' ORDER BY version")
    assert [data["organisation_name"] for data in versions] == names
    assert count_documents(runtime.engine, "partner") == 301


def test_an_order_posts_after_the_customer_an_earlier_file_brings(runtime: HubRuntime) -> None:
    pool = runtime.ingest_pool("erp_sap")
    assert pool is not None
    results = list(pool.run([IngestJob("customers.txt", path=str(CUSTOMERS)),
                             IngestJob("orders.txt", path=str(ORDERS))]))
    assert summarise(results[0].outcomes) == {"posted": 3}
    assert summarise(results[1].outcomes) == {"posted": 2}
    assert count_documents(runtime.engine, "sales_order") == 2


def test_a_mapping_made_ahead_is_made_again_when_the_key_map_changed(runtime: HubRuntime) -> None:
    ingestor = runtime.ingestor("erp_sap")
    prepared = ingestor.prepare(ORDERS.read_bytes(), "orders.txt")
    assert all(p is not None and p.error is not None and "not in the key map" in str(p.error)
               for p in prepared.premapped)
    assert summarise(ingestor.ingest(CUSTOMERS.read_bytes(), "customers.txt")) == {"posted": 3}
    assert summarise(ingestor.post(prepared)) == {"posted": 2}
    sold_to = scalar(runtime.engine, sa.text("SELECT hub_id FROM key_map WHERE system = 'erp_sap'"
                                             " AND object_type = 'partner' AND external_id = '100001'"))
    orders = _data(runtime, "SELECT data FROM documents WHERE doc_type = 'sales_order'")
    assert len(orders) == 2 and all(order["sold_to_hub_id"] == sold_to for order in orders)


def test_a_mapping_made_ahead_is_used_when_its_lookups_still_hold(runtime: HubRuntime,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ingestor = runtime.ingestor("erp_sap")
    ingestor.ingest(CUSTOMERS.read_bytes(), "customers.txt")
    prepared = ingestor.prepare(ORDERS.read_bytes(), "orders.txt")
    assert all(p is not None and p.error is None for p in prepared.premapped)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("mapped again although every lookup still holds")

    monkeypatch.setattr(ingestor.posting.mappings, "map_inbound", refuse)
    assert summarise(ingestor.post(prepared)) == {"posted": 2}


def test_a_truncated_file_is_refused_whole_while_the_others_post(runtime: HubRuntime) -> None:
    pool = runtime.ingest_pool("erp_sap")
    assert pool is not None
    results = list(pool.run([
        IngestJob("customers.txt", path=str(CUSTOMERS)),
        IngestJob("truncated.txt", path=str(DATA / "debmas07_truncated.txt")),
        IngestJob("orders.txt", path=str(ORDERS)),
    ]))
    assert [summarise(r.outcomes) for r in results] == [{"posted": 3}, {}, {"posted": 2}]
    assert results[1].error is not None and "truncated" in results[1].error
    assert "0000000000471103" in results[1].error
    assert scalar(runtime.engine, sa.text("SELECT count(*) FROM inbound_payloads")) == 5


def test_workers_that_die_with_a_job_in_hand_stop_the_pool_and_a_new_pool_finishes_the_work(
        runtime: HubRuntime, tmp_path: Path) -> None:
    stuck = tmp_path / "stuck.txt"
    os.mkfifo(stuck)  # a worker reading it waits for a writer that never comes
    pool = runtime.ingest_pool("erp_sap")
    assert pool is not None
    pool.start()

    def kill_when_stuck() -> None:
        time.sleep(1.0)
        for pid in pool.pids:
            os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_when_stuck)
    killer.start()
    with pytest.raises(IngestPoolError, match="stopped"):
        list(pool.run([IngestJob("customers.txt", path=str(CUSTOMERS)), IngestJob("stuck.txt", path=str(stuck))]))
    killer.join()
    assert pool.closed
    replacement = runtime.ingest_pool("erp_sap")
    assert replacement is not pool and replacement is not None
    results = list(replacement.run([IngestJob("customers.txt", path=str(CUSTOMERS)),
                                    IngestJob("orders.txt", path=str(ORDERS))]))
    assert [summarise(r.outcomes) for r in results] == [{"duplicate": 3}, {"posted": 2}]


def test_a_worker_that_cannot_start_says_why(database_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "mappings"
    broken.mkdir()
    (broken / "ORDERS.yaml").write_text("system: erp_sap\nrules: [\n", encoding="utf-8")
    hub = erp_runtime(database_url, tmp_path)
    settings = hub.settings.model_copy(update={"mappings_dir": broken})
    pool = IngestPool(pool_ingestor, settings, "erp_sap", 2)
    try:
        with pytest.raises(IngestPoolError, match="could not start: .*ORDERS.yaml"):
            pool.start()
    finally:
        pool.close()
        hub.close()


def test_one_worker_setting_means_no_pool(database_url: str, tmp_path: Path) -> None:
    hub = erp_runtime(database_url, tmp_path)
    one = HubRuntime(hub.settings.model_copy(update={"ingest_workers": 1}))
    assert one.ingest_pool("erp_sap") is None
    hub.close()


def test_preparing_takes_no_write_lock_so_it_runs_while_another_worker_posts(runtime: HubRuntime) -> None:
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    ingestor = runtime.ingestor("erp_sap")
    ingestor.ingest(CUSTOMERS.read_bytes(), "customers.txt")
    prepared: list[Any] = []
    with runtime.engine.begin():  # another writer holds SQLite's write lock
        worker = threading.Thread(target=lambda: prepared.append(ingestor.prepare(ORDERS.read_bytes(), "orders.txt")))
        worker.start()
        worker.join(timeout=10)
        assert not worker.is_alive(), "prepare waited for the write lock"
    assert summarise(ingestor.post(prepared[0])) == {"posted": 2}


ORPHANING_HUB = """
import os, sys
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings

pool = HubRuntime(HubSettings.model_validate_json(sys.argv[1])).ingest_pool("erp_sap")
pool.start()
print(" ".join(str(pid) for pid in pool.pids), flush=True)
os._exit(0)  # gone without closing the pool, as a killed hub would be
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_workers_stop_when_the_hub_that_started_them_is_gone(runtime: HubRuntime) -> None:
    child = subprocess.run([PYTHON, "-c", ORPHANING_HUB, runtime.settings.model_dump_json()], cwd=REPO,
                           capture_output=True, text=True, timeout=120, check=True)
    pids = [int(pid) for pid in child.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 20
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in pids)


def test_the_file_port_ingests_one_by_one_when_its_pool_cannot_start(
        runtime: HubRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def cannot_start(self: IngestPool) -> None:
        raise IngestPoolError("an ingest worker of erp_sap could not start: out of processes")

    monkeypatch.setattr(IngestPool, "start", cannot_start)
    inbound = tmp_path / "in"
    inbound.mkdir(exist_ok=True)
    (inbound / "1_customers.txt").write_bytes(CUSTOMERS.read_bytes())
    os.utime(inbound / "1_customers.txt", (1, 1))  # older: the port takes files oldest first
    (inbound / "2_orders.txt").write_bytes(ORDERS.read_bytes())
    with caplog.at_level("WARNING"):
        results = FilePort(runtime.plugin_context("erp_sap")).poll()
    assert [(r.name, r.counts) for r in results] == [("1_customers.txt", {"posted": 3}),
                                                    ("2_orders.txt", {"posted": 2})]
    assert "one by one: an ingest worker of erp_sap could not start" in caplog.text


def test_the_file_port_hands_several_files_to_the_pool_in_arrival_order(runtime: HubRuntime, tmp_path: Path) -> None:
    inbound = tmp_path / "in"
    inbound.mkdir(exist_ok=True)
    (inbound / "b_customers.txt").write_bytes(CUSTOMERS.read_bytes())
    os.utime(inbound / "b_customers.txt", (1, 1))
    (inbound / "a_orders.txt").write_bytes(ORDERS.read_bytes())
    results = FilePort(runtime.plugin_context("erp_sap")).poll()
    assert [(r.name, r.counts, r.error) for r in results] == [("b_customers.txt", {"posted": 3}, None),
                                                             ("a_orders.txt", {"posted": 2}, None)]
    pool = runtime.ingest_pool("erp_sap")
    assert pool is not None and len(pool.pids) == 2
    assert sorted(p.name for p in (inbound / "done").iterdir()) == ["a_orders.txt", "b_customers.txt"]

"""The IDoc file port: real folders, real IDoc files, a real crash (SIGKILL) mid-file."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from erp_fixtures import (
    DATA,
    PYTHON,
    REPO,
    archived_keys,
    count_documents,
    erp_numbers,
    erp_runtime,
    erp_settings,
    queued_acknowledgements,
    set_field,
)

from hub.core.inbound.pipeline import DEFAULT_CHUNK
from hub.core.runtime import HubRuntime
from plugins.erp_sap import fileport
from plugins.erp_sap.fileport import FilePort
from plugins.erp_sap.simulator.masterdata_idocs import write_debmas


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[HubRuntime]:
    hub = erp_runtime(database_url, tmp_path)
    (tmp_path / "in").mkdir()
    yield hub
    hub.close()


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_good_file_is_posted_and_moved_to_done(runtime: HubRuntime, tmp_path: Path) -> None:
    write_debmas(tmp_path / "in" / "DEBMAS_1.xml", 20)
    [result] = FilePort(runtime.plugin_context("erp_sap")).poll()
    assert result.counts == {"posted": 20} and result.error is None
    assert result.moved_to == str(tmp_path / "in" / "done" / "DEBMAS_1.xml")
    assert _names(tmp_path / "in") == ["done", "processing"] and _names(tmp_path / "in" / "processing") == []
    assert count_documents(runtime.engine, "partner") == 20
    assert set(archived_keys(runtime.engine).values()) == {1} and len(archived_keys(runtime.engine)) == 20
    assert [a["status"] for a in queued_acknowledgements(runtime.engine)] == ["53"] * 20
    assert FilePort(runtime.plugin_context("erp_sap")).poll() == []


def test_a_file_with_a_failing_idoc_goes_to_error_with_the_reason(runtime: HubRuntime, tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    write_debmas(good, 5)
    (tmp_path / "in" / "DEBMAS_2.xml").write_bytes(
        set_field(good.read_bytes(), "0000000000000003", "E1KNA1M", "SPRAS_ISO", "QQ"))
    [result] = FilePort(runtime.plugin_context("erp_sap")).poll()
    assert result.counts == {"posted": 4, "failed": 1}
    assert result.moved_to == str(tmp_path / "in" / "error" / "DEBMAS_2.xml")
    report = (tmp_path / "in" / "error" / "DEBMAS_2.xml.error.txt").read_text(encoding="utf-8")
    assert report.startswith("IDoc 0000000000000003 (DEBMAS):") and "QQ" in report
    assert count_documents(runtime.engine, "partner") == 4
    statuses = {a["docnum"]: a["status"] for a in queued_acknowledgements(runtime.engine)}
    assert statuses.pop("0000000000000003") == "51" and set(statuses.values()) == {"53"}


def test_a_resent_file_reports_the_idocs_that_failed_the_first_time(runtime: HubRuntime, tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    write_debmas(good, 3)
    broken = set_field(good.read_bytes(), "0000000000000002", "E1KNA1M", "SPRAS_ISO", "QQ")
    (tmp_path / "in" / "DEBMAS_3.xml").write_bytes(broken)
    FilePort(runtime.plugin_context("erp_sap")).poll()
    (tmp_path / "in" / "DEBMAS_3.xml").write_bytes(broken)
    [again] = FilePort(runtime.plugin_context("erp_sap")).poll()
    assert again.counts == {"duplicate": 3}
    assert again.error is not None and again.error.startswith("IDoc 0000000000000002 (DEBMAS):")
    assert len(_names(tmp_path / "in" / "error")) == 4  # two files, two reports, neither overwritten
    assert count_documents(runtime.engine, "partner") == 2


def test_an_unreadable_file_goes_to_error_and_stores_nothing(runtime: HubRuntime, tmp_path: Path) -> None:
    (tmp_path / "in" / "truncated.txt").write_bytes((DATA / "debmas07_truncated.txt").read_bytes())
    (tmp_path / "in" / "notes.csv").write_text("name;city\nACME;Berlin\n", encoding="utf-8")
    results = {r.name: r for r in FilePort(runtime.plugin_context("erp_sap")).poll()}
    assert sorted(results) == ["notes.csv", "truncated.txt"]
    assert all(r.counts == {} and r.error for r in results.values())
    assert "no codec reads this payload" in results["notes.csv"].error
    assert _names(tmp_path / "in" / "error") == ["notes.csv", "notes.csv.error.txt",
                                                 "truncated.txt", "truncated.txt.error.txt"]
    assert archived_keys(runtime.engine) == {}


@pytest.mark.parametrize("alone", [True, False], ids=["alone", "with-another-through-the-pool"])
def test_a_file_above_the_size_limit_goes_to_error_unread(runtime: HubRuntime, tmp_path: Path, alone: bool) -> None:
    big = tmp_path / "in" / "DEBMAS_BIG.xml"
    write_debmas(big, 50)
    if not alone:
        write_debmas(tmp_path / "in" / "DEBMAS_SMALL.xml", 2, start=50)
    size = big.stat().st_size
    limited = HubRuntime(runtime.settings.model_copy(update={"max_payload_bytes": size - 1}))
    results = {r.name: r for r in FilePort(limited.plugin_context("erp_sap")).poll()}
    limited.close()
    refused = results.pop("DEBMAS_BIG.xml")
    reason = (f"DEBMAS_BIG.xml: field '(payload)': the file is {size:,} bytes, above the limit of {size - 1:,}"
              " bytes (max_payload_bytes): not read, nothing stored")
    assert (refused.counts, refused.error) == ({}, reason)
    assert _names(tmp_path / "in" / "error") == ["DEBMAS_BIG.xml", "DEBMAS_BIG.xml.error.txt"]
    assert (tmp_path / "in" / "error" / "DEBMAS_BIG.xml.error.txt").read_text(encoding="utf-8") == reason + "\n"
    assert [r.counts for r in results.values()] == ([] if alone else [{"posted": 2}])
    assert count_documents(runtime.engine, "partner") == (0 if alone else 2)


def test_temporary_and_hidden_files_are_left_alone(runtime: HubRuntime, tmp_path: Path) -> None:
    write_debmas(tmp_path / "in" / ".DEBMAS_4.xml", 1)
    write_debmas(tmp_path / "in" / "DEBMAS_4.xml.tmp", 1)
    assert FilePort(runtime.plugin_context("erp_sap")).poll() == []
    assert _names(tmp_path / "in") == [".DEBMAS_4.xml", "DEBMAS_4.xml.tmp", "processing"]


def test_two_hubs_polling_one_folder_take_each_file_once(runtime: HubRuntime, tmp_path: Path) -> None:
    for n in range(12):
        write_debmas(tmp_path / "in" / f"DEBMAS_{n:02d}.xml", 3, start=n * 3)
    other = HubRuntime(runtime.settings)
    results: list[list[fileport.FileResult]] = [[], []]

    def poll(index: int, hub: HubRuntime) -> None:
        results[index] = FilePort(hub.plugin_context("erp_sap")).poll()

    threads = [threading.Thread(target=poll, args=(i, hub)) for i, hub in enumerate((runtime, other))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.close()
    taken = [r.name for batch in results for r in batch]
    assert sorted(taken) == [f"DEBMAS_{n:02d}.xml" for n in range(12)]
    assert all(r.counts == {"posted": 3} for batch in results for r in batch)
    assert len(_names(tmp_path / "in" / "done")) == 12
    assert count_documents(runtime.engine, "partner") == 36


# The child polls like a hub would and is killed (SIGKILL, no clean-up of any kind)
# inside the transaction of its second chunk: one chunk committed, one half-written.
CRASHING_POLL = """
import os, signal, sys
from hub.core.inbound import pipeline
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from plugins.erp_sap.fileport import FilePort

post_chunk = pipeline.Ingestor.post_chunk
calls = []

def dies_in_second_chunk(self, codec, chunk, content_type, premapped=None, origin="received",
                         in_transaction=None, received_at=None):
    calls.append(1)
    if len(calls) == 2:
        in_transaction = lambda conn, outcomes: os.kill(os.getpid(), signal.SIGKILL)
    return post_chunk(self, codec, chunk, content_type, premapped, origin, in_transaction, received_at)

pipeline.Ingestor.post_chunk = dies_in_second_chunk
FilePort(HubRuntime(HubSettings.model_validate_json(sys.argv[1])).plugin_context("erp_sap")).poll()
"""


def test_a_hub_killed_mid_file_loses_nothing_and_posts_nothing_twice(
        runtime: HubRuntime, tmp_path: Path, database_url: str) -> None:
    total, committed = 3 * DEFAULT_CHUNK, DEFAULT_CHUNK
    write_debmas(tmp_path / "in" / "DEBMAS_BIG.xml", total)
    # One process: the crash is made in this process's posting (a file this large would
    # otherwise go to the ingest pool, whose workers' deaths test_ingest_pool covers).
    settings = erp_settings(database_url, tmp_path).model_copy(update={"ingest_workers": 1}).model_dump_json()
    child = subprocess.run([PYTHON, "-c", CRASHING_POLL, settings], cwd=REPO, timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert len(archived_keys(runtime.engine)) == committed
    assert count_documents(runtime.engine, "partner") == committed
    [claim] = (tmp_path / "in" / "processing").iterdir()
    assert claim.name.endswith("DEBMAS_BIG.xml")

    assert FilePort(runtime.plugin_context("erp_sap")).poll() == [], "a fresh claim must not be taken over"
    os.utime(claim, (time.time() - fileport.STALE_SECONDS - 1,) * 2)
    [result] = FilePort(runtime.plugin_context("erp_sap")).poll()

    assert result.counts == {"duplicate": committed, "posted": total - committed}
    assert result.moved_to == str(tmp_path / "in" / "done" / "DEBMAS_BIG.xml")
    assert _names(tmp_path / "in" / "processing") == []
    keys = archived_keys(runtime.engine)
    assert len(keys) == total and set(keys.values()) == {1}
    numbers = erp_numbers(runtime.engine, "partner")
    assert len(numbers) == total and set(numbers.values()) == {1}
    assert count_documents(runtime.engine, "partner") == total
    acknowledged = [a["docnum"] for a in queued_acknowledgements(runtime.engine)]
    assert sorted(acknowledged) == [f"{n:016d}" for n in range(1, total + 1)]


def test_each_file_is_logged_with_what_became_of_it(runtime: HubRuntime, tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    write_debmas(tmp_path / "in" / "DEBMAS_1.xml", 2)
    (tmp_path / "in" / "DEBMAS_2.xml").write_bytes((DATA / "debmas07_truncated.txt").read_bytes())
    with caplog.at_level("INFO", logger="plugins.erp_sap.fileport"):
        FilePort(runtime.plugin_context("erp_sap")).poll()
    lines = [r.getMessage() for r in caplog.records if r.name == "plugins.erp_sap.fileport"]
    assert any(line.startswith("file DEBMAS_1.xml: 2 posted; moved to ") and "done" in line for line in lines)
    assert any(line.startswith("file DEBMAS_2.xml: nothing ingested; moved to ") and "truncated" in line
               for line in lines)

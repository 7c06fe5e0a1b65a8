"""The file port: dropped POSLog files are posted and filed under done/ or error/."""

from __future__ import annotations

import shutil
from pathlib import Path

from pos_fixtures import DATA, MALFORMED, ZONE

from hub.testing.live import LiveHub
from plugins.loyalty_pos.fileport import FilePort


def test_dropped_files_post_and_are_filed_by_outcome(tmp_path: Path) -> None:
    inbound = tmp_path / "in"
    inbound.mkdir()
    with LiveHub(tmp_path / "hub", {"loyalty_pos": {"timezone": ZONE, "inbound_dir": str(inbound)}}) as hub:
        shutil.copy(DATA / "poslog60_day.xml", inbound / "day.xml")
        shutil.copy(MALFORMED / "totals.xml", inbound / "totals.xml")
        shutil.copy(MALFORMED / "doctype_external_entity.xml", inbound / "evil.xml")
        (inbound / "half.xml.tmp").write_bytes(b"<POSLog")
        results = {r.name: r for r in FilePort(hub.context("loyalty_pos")).poll()}
        assert set(results) == {"day.xml", "totals.xml", "evil.xml"}
        assert results["day.xml"].moved_to == inbound / "done" / "day.xml" and not results["day.xml"].problems
        assert results["totals.xml"].moved_to == inbound / "error" / "totals.xml"
        assert "do not make the total" in (inbound / "error" / "totals.xml.error.txt").read_text()
        assert results["totals.xml"].counts.get("posted", 0) > 0, "the file's good transactions post"
        assert "DOCTYPE" in (inbound / "error" / "evil.xml.error.txt").read_text()
        assert (inbound / "half.xml.tmp").exists(), "a file still being written is left alone"
        assert hub.count("retail_transaction") > 0
        shutil.copy(inbound / "done" / "day.xml", inbound / "again.xml")
        [again] = FilePort(hub.context("loyalty_pos")).poll()
        assert set(again.counts) == {"duplicate"} and again.moved_to == inbound / "done" / "again.xml"

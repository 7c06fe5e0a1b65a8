"""`hub ingest` as a user runs it: a file above max_payload_bytes is refused unread, the others go in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.core.store import migrate
from hub.core.store.db import create_engine

REPO = Path(__file__).resolve().parents[2]
ERP_MAPPINGS = REPO / "plugins" / "erp_sap" / "mappings"
DATA = REPO / "tests" / "plugins" / "erp_sap" / "data"
HUB = str(Path(sys.executable).parent / "hub")


def test_a_file_above_the_limit_is_refused_and_the_others_are_ingested(
        tmp_path: Path, sqlite_database_url: str) -> None:
    engine = create_engine(sqlite_database_url)
    migrate.upgrade(engine)
    good = DATA / "debmas07_zext_trimmed.txt"
    big = tmp_path / "big.txt"
    big.write_bytes(good.read_bytes() + b" " * 10_000)
    limit = good.stat().st_size + 100
    env = {**os.environ, "HUB_DATABASE_URL": sqlite_database_url, "HUB_MAPPINGS_DIR": str(ERP_MAPPINGS),
           "HUB_MAX_PAYLOAD_BYTES": str(limit)}
    run = subprocess.run([HUB, "ingest", "erp_sap", str(big), str(good), "--json"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["summary"] == {"posted": 3}
    assert {d["source"] for d in report["documents"]} == {str(good)}
    assert report["file_errors"] == [{"file": str(big), "error": (
        f"{big}: field '(payload)': the file is {big.stat().st_size:,} bytes, above the limit of {limit:,} bytes"
        " (max_payload_bytes): not read, nothing stored")}]
    with engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT dedupe_key FROM inbound_payloads ORDER BY id")).scalars().all()
    assert keys == [f"DEBMAS:PRDCLNT800/SAPPRD/800:00000000004711{n:02d}" for n in (1, 2, 3)]
    engine.dispose()

    plain = subprocess.run([HUB, "ingest", "erp_sap", str(big)], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=120)
    assert plain.returncode == 1
    assert plain.stderr.splitlines() == [f"error: {big}: {big}: field '(payload)': the file is"
                                         f" {big.stat().st_size:,} bytes, above the limit of {limit:,} bytes"
                                         " (max_payload_bytes): not read, nothing stored"]


def _ingest_in_order(tmp_path: Path, workers: int, files: list[Path]) -> tuple[int, Any, list[str]]:
    url = f"sqlite:///{tmp_path / f'hub-{workers}.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    env = {**os.environ, "HUB_DATABASE_URL": url, "HUB_MAPPINGS_DIR": str(tmp_path / "mappings"),
           "HUB_INGEST_WORKERS": str(workers)}
    run = subprocess.run([HUB, "ingest", "erp_sap", *map(str, files), "--json"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=180)
    report = json.loads(run.stdout)
    with engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT dedupe_key FROM inbound_payloads ORDER BY id")).scalars().all()
    engine.dispose()
    return run.returncode, (report["summary"], report["file_errors"]), list(keys)


def test_several_files_go_through_the_ingest_pool_and_post_in_the_order_given(tmp_path: Path) -> None:
    files = [DATA / name for name in ("matmas05.xml", "debmas07_zext_trimmed.txt", "debmas07_segnum.txt",
                                      "debmas07_unicode.txt", "matmas03.xml")]
    alone = _ingest_in_order(tmp_path, 1, files)
    pooled = _ingest_in_order(tmp_path, 2, files)
    assert pooled == alone
    code, (summary, file_errors), keys = pooled
    assert code == 1 and summary["posted"] >= 4 and len(keys) == summary["posted"]
    assert [error["file"] for error in file_errors] == [str(DATA / "debmas07_segnum.txt")]

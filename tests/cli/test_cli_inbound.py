"""`hub ingest`, `hub inbound list|show|replay` and `hub message show in:ID`, on real IDoc files."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from hub.cli.main import build_cli
from hub.core.inbound.waiting import expire, repost_ready
from hub.core.model.base import utcnow
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate

REPO = Path(__file__).resolve().parents[2]
ERP_MAPPINGS = REPO / "plugins" / "erp_sap" / "mappings"
DATA = REPO / "tests" / "plugins" / "erp_sap" / "data"


def hub(runtime: HubRuntime, *args: str) -> tuple[int, object]:
    result = CliRunner().invoke(build_cli(runtime), list(args), obj=runtime, catch_exceptions=False)
    return result.exit_code, json.loads(result.output) if "--json" in args and result.output else result.output


def test_an_order_for_an_unknown_customer_waits_and_posts_when_the_customer_arrives(
        sqlite_database_url: str) -> None:
    runtime = HubRuntime(HubSettings(database_url=sqlite_database_url, mappings_dir=ERP_MAPPINGS))
    migrate.upgrade(runtime.engine)
    code, report = hub(runtime, "ingest", "erp_sap", str(DATA / "orders05.xml"), "--json")
    assert code == 0 and report["summary"] == {"waiting": 1}  # type: ignore[index]
    waiting = report["documents"][0]  # type: ignore[index]
    assert "partner '100001' of erp_sap is not in the key map" in waiting["error"]
    assert waiting["waiting_for"] == ["erp_sap", "partner", "100001"]

    code, shown = hub(runtime, "message", "show", f"in:{waiting['payload_id']}", "--json")
    assert code == 0
    assert [(h["status"], h["code"]) for h in shown["history"]] == [("received", "50"), ("waiting", "64")]  # type: ignore[index]
    code, listed = hub(runtime, "inbound", "list", "--state", "waiting", "--json")
    assert [row["id"] for row in listed] == [waiting["payload_id"]]  # type: ignore[union-attr,index]
    code, status = hub(runtime, "status", "--json")
    assert status["inbound"] == {"erp_sap": {"waiting": 1}}  # type: ignore[index]
    assert repost_ready(runtime.engine, runtime.shared_ingestor) == 0  # nothing arrived yet

    code, _ = hub(runtime, "ingest", "erp_sap", str(DATA / "debmas07_zext_trimmed.txt"), "--json")
    assert code == 0
    assert repost_ready(runtime.engine, runtime.shared_ingestor) == 1
    code, shown = hub(runtime, "inbound", "show", str(waiting["payload_id"]), "--json")
    assert shown["status"] == "posted" and shown["hub_id"].startswith("so_")  # type: ignore[index]
    assert [(h["status"], h["code"]) for h in shown["history"]][-3:] == [  # type: ignore[index]
        ("replayed", None), ("mapped", "64"), ("posted", "53")]
    runtime.close()


def test_a_document_that_waits_too_long_is_reported_as_failed(sqlite_database_url: str) -> None:
    runtime = HubRuntime(HubSettings(database_url=sqlite_database_url, mappings_dir=ERP_MAPPINGS))
    migrate.upgrade(runtime.engine)
    _, report = hub(runtime, "ingest", "erp_sap", str(DATA / "orders05.xml"), "--json")
    payload_id = report["documents"][0]["payload_id"]  # type: ignore[index]
    assert expire(runtime.engine, timedelta(minutes=5)) == 0
    assert expire(runtime.engine, timedelta(minutes=5), utcnow() + timedelta(minutes=6)) == 1
    code, listed = hub(runtime, "inbound", "list", "--state", "failed", "--json")
    assert [row["id"] for row in listed] == [payload_id]  # type: ignore[union-attr,index]
    assert "still waiting for partner 100001 of erp_sap" in listed[0]["error"]  # type: ignore[index]
    assert f"hub inbound replay {payload_id}" in listed[0]["error"]  # type: ignore[index]
    runtime.close()


def test_a_failed_idoc_is_kept_shown_and_replayed_after_the_fix(sqlite_database_url: str, tmp_path: Path) -> None:
    runtime = HubRuntime(HubSettings(database_url=sqlite_database_url, mappings_dir=ERP_MAPPINGS))
    migrate.upgrade(runtime.engine)
    bad = tmp_path / "orders_bad_unit.xml"
    bad.write_bytes((DATA / "orders05.xml").read_bytes().replace(b"<MENEE>PCE</MENEE>", b"<MENEE>QQQ</MENEE>", 1))
    code, _ = hub(runtime, "ingest", "erp_sap", str(DATA / "debmas07_zext_trimmed.txt"), "--json")
    code, report = hub(runtime, "ingest", "erp_sap", str(bad), "--json")
    assert code == 1 and report["summary"] == {"failed": 1}  # type: ignore[index]
    failed = report["documents"][0]  # type: ignore[index]
    assert "QQQ" in failed["error"]

    code, shown = hub(runtime, "message", "show", f"in:{failed['payload_id']}", "--json")
    assert code == 0
    assert [(h["status"], h["code"]) for h in shown["history"]] == [("received", "50"), ("failed", "51")]  # type: ignore[index]

    code, listed = hub(runtime, "inbound", "list", "--state", "failed", "--json")
    assert [row["id"] for row in listed] == [failed["payload_id"]]  # type: ignore[union-attr,index]
    runtime.close()

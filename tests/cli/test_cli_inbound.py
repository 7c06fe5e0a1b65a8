"""`hub ingest`, `hub inbound list|show|replay` and `hub message show in:ID`, on real IDoc files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hub.cli.main import build_cli
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "plugins" / "erp_sap" / "data"


def hub(runtime: HubRuntime, *args: str) -> tuple[int, object]:
    result = CliRunner().invoke(build_cli(runtime), list(args), obj=runtime, catch_exceptions=False)
    return result.exit_code, json.loads(result.output) if "--json" in args and result.output else result.output


def test_a_failed_idoc_is_kept_shown_and_replayed_after_the_fix(sqlite_database_url: str) -> None:
    runtime = HubRuntime(HubSettings(database_url=sqlite_database_url, mappings_dir=REPO / "mappings"))
    migrate.upgrade(runtime.engine)
    code, report = hub(runtime, "ingest", "erp_sap", str(DATA / "orders05.xml"), "--json")
    assert code == 1 and report["summary"] == {"failed": 1}  # type: ignore[index]
    failed = report["documents"][0]  # type: ignore[index]
    assert "partner '100001' of erp_sap is not in the key map" in failed["error"]

    code, shown = hub(runtime, "message", "show", f"in:{failed['payload_id']}", "--json")
    assert code == 0
    assert [(h["status"], h["code"]) for h in shown["history"]] == [("received", "50"), ("failed", "51")]  # type: ignore[index]

    code, _ = hub(runtime, "ingest", "erp_sap", str(DATA / "debmas07_zext_trimmed.txt"), "--json")
    assert code == 0
    code, replayed = hub(runtime, "inbound", "replay", str(failed["payload_id"]), "--json")
    assert code == 0 and replayed[0]["status"] == "posted"  # type: ignore[index]
    code, listed = hub(runtime, "inbound", "list", "--state", "failed", "--json")
    assert listed == []
    code, shown = hub(runtime, "inbound", "show", str(failed["payload_id"]), "--json")
    # A replay records its mapping like a first arrival (it once went straight to posted).
    assert [(h["status"], h["code"]) for h in shown["history"]][-3:] == [  # type: ignore[index]
        ("replayed", None), ("mapped", "64"), ("posted", "53")]
    assert shown["hub_id"].startswith("so_")  # type: ignore[index]
    runtime.close()

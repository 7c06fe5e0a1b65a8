"""The request load: a document waiting for an unknown customer brings it from the ERP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from erp_fixtures import erp_runtime

from hub.cli.main import build_cli
from hub.core.inbound.waiting import repost_ready
from hub.core.runtime import HubRuntime
from plugins.erp_sap.requestload import STATE, request_missing
from plugins.erp_sap.simulator.server import ErpSimulator

DATA = Path(__file__).parent / "data"


def ingest(runtime: HubRuntime, path: Path) -> dict[str, object]:
    result = CliRunner().invoke(build_cli(runtime), ["ingest", "erp_sap", str(path), "--json"], obj=runtime)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def inbound(runtime: HubRuntime, payload_id: object) -> dict[str, object]:
    result = CliRunner().invoke(build_cli(runtime), ["inbound", "show", str(payload_id), "--json"], obj=runtime)
    return json.loads(result.output)


def test_a_waiting_order_asks_the_erp_for_its_customer_and_posts(sqlite_database_url: str, tmp_path: Path) -> None:
    with ErpSimulator() as sim:
        runtime = erp_runtime(sqlite_database_url, tmp_path,
                              request_url=f"{sim.base_url}/sim/idocs/{{message_type}}/{{number}}")
        context = runtime.plugin_context("erp_sap")
        report = ingest(runtime, DATA / "orders05.xml")
        assert report["summary"] == {"waiting": 1}
        payload_id = report["documents"][0]["payload_id"]  # type: ignore[index]
        assert context.missing_objects() == [("partner", "100001")]

        assert request_missing(context) == ["partner:100001"]
        assert context.missing_objects() == []  # the customer is known; the order still waits to be posted
        assert repost_ready(runtime.engine, runtime.shared_ingestor) == 1
        shown = inbound(runtime, payload_id)
        assert shown["status"] == "posted" and str(shown["hub_id"]).startswith("so_")
        assert request_missing(context) == []
        runtime.close()


def test_a_number_the_erp_does_not_know_is_asked_again_only_later(sqlite_database_url: str, tmp_path: Path) -> None:
    with ErpSimulator() as sim:
        runtime = erp_runtime(sqlite_database_url, tmp_path, request_minutes=10,
                              request_url=f"{sim.base_url}/sim/idocs/{{message_type}}/{{number}}")
        context = runtime.plugin_context("erp_sap")
        unknown = tmp_path / "orders_unknown_customer.xml"
        unknown.write_bytes((DATA / "orders05.xml").read_bytes().replace(b"0000100001", b"0000000042"))
        assert ingest(runtime, unknown)["summary"] == {"waiting": 1}
        start = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
        assert request_missing(context, start) == []
        assert context.state(STATE) == {"partner:42": start.isoformat()}
        assert request_missing(context, start + timedelta(minutes=5)) == []
        assert context.state(STATE) == {"partner:42": start.isoformat()}  # not asked again yet
        later = start + timedelta(minutes=11)
        assert request_missing(context, later) == []
        assert context.state(STATE) == {"partner:42": later.isoformat()}
        assert context.missing_objects() == [("partner", "42")]
        runtime.close()


def test_without_a_request_url_nothing_is_asked(sqlite_database_url: str, tmp_path: Path) -> None:
    runtime = erp_runtime(sqlite_database_url, tmp_path)
    context = runtime.plugin_context("erp_sap")
    assert ingest(runtime, DATA / "orders05.xml")["summary"] == {"waiting": 1}
    assert request_missing(context) == [] and context.state(STATE) is None
    assert context.missing_objects() == [("partner", "100001")]
    runtime.close()

"""The example Grafana dashboard (docs/grafana/hub.json) queries only metrics the hub
exports: every ``hub_*`` name in its queries is a sample name of a real ``/metrics``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from hub.core.observe.metrics import job_run_finished, record_delivery, record_inbound, record_request
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate
from hub.http import serve

DASHBOARD = Path(__file__).resolve().parents[1] / "docs" / "grafana" / "hub.json"
METRIC = re.compile(r"\bhub_[a-z_]+\b")


def _queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def _exported(url: str) -> set[str]:
    # One sample of every instrument, so that each labelled series shows in the scrape.
    record_delivery("dash", "delivered", 0.1, 1, 2.0)
    record_delivery("dash", "retrying", 0.1, 1, 2.0)
    record_inbound("dash", {"posted": 1})
    record_request("hub", "/health", "GET", 200, 0.01)
    job_run_finished("hub.retention", "ok")
    runtime = HubRuntime(HubSettings(database_url=url, http={"port": 0}))
    migrate.upgrade(runtime.engine)
    server = serve(runtime)
    try:
        text = httpx.get(f"{server.url}/metrics").text
    finally:
        server.stop()
        runtime.close()
    return {sample.name for family in text_string_to_metric_families(text) for sample in family.samples}


def test_every_metric_the_dashboard_queries_is_exported(sqlite_database_url: str) -> None:
    queries = _queries()
    named = {name for query in queries for name in METRIC.findall(query)}
    assert len(queries) >= 15 and len(named) >= 12
    missing = named - _exported(sqlite_database_url)
    assert not missing, f"docs/grafana/hub.json queries metrics /metrics does not export: {sorted(missing)}"


def test_the_check_finds_a_misspelt_metric() -> None:
    assert METRIC.findall("sum by (system) (rate(hub_delivery_retrys_total[5m]))") == ["hub_delivery_retrys_total"]

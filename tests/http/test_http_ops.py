"""``/health``, ``/ready`` and ``/metrics`` on a real socket: who may call them, and what
``/metrics`` says, read with the Prometheus client's own text parser."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from hub import hookimpl
from hub.core.errors import PermanentError, TransientError
from hub.core.plugins import TransportSpec
from hub.core.queue import NewMessage, Worker, enqueue
from hub.core.queue.messages import OutboundMessage
from hub.core.queue.tables import queues
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate
from hub.http import RunningServer, serve
from hub.http.ops import SchedulerRole

USER, PASSWORD = "ops", "metrics-s3cret"


class Peer:
    """Takes partner A, refuses partner B for good and partner C for now."""

    def send(self, message: OutboundMessage) -> None:
        if message.hub_id == "B":
            raise PermanentError("the peer refuses B")
        if message.hub_id == "C":
            raise TransientError("the peer is busy")


def _peer_plugin() -> types.ModuleType:
    plugin = types.ModuleType("ops_test_peer")

    @hookimpl
    def hub_register_transports(registry: Any) -> None:
        registry.add_transport(TransportSpec("out", lambda context: Peer(), ("partner",)))

    plugin.hub_register_transports = hub_register_transports  # type: ignore[attr-defined]
    return plugin


def _runtime(url: str) -> HubRuntime:
    return HubRuntime(HubSettings(database_url=url, http={"port": 0, "username": USER, "password": PASSWORD},
                                  queue={"retry": {"max_attempts": 5, "min_wait": 60}}),
                      extra_plugins={"peer": _peer_plugin()})


@pytest.fixture
def runtime(database_url: str) -> Iterator[HubRuntime]:
    runtime = _runtime(database_url)
    migrate.upgrade(runtime.engine)
    yield runtime
    runtime.close()


@pytest.fixture
def server(runtime: HubRuntime) -> Iterator[RunningServer]:
    running = serve(runtime, role=SchedulerRole("host-a:42:abcdef", lambda: True))
    yield running
    running.stop()


def _metrics(server: RunningServer) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    answer = httpx.get(f"{server.url}/metrics", auth=(USER, PASSWORD))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def test_health_and_ready_are_public_metrics_takes_the_hubs_credentials(server: RunningServer) -> None:
    health = httpx.get(f"{server.url}/health")
    assert health.status_code == 200 and health.json()["status"] == "ok" and "peer" in health.json()["plugins"]
    ready = httpx.get(f"{server.url}/ready")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    refused = httpx.get(f"{server.url}/metrics")
    assert refused.status_code == 401 and "hub_" not in refused.text
    assert httpx.get(f"{server.url}/metrics", auth=(USER, "wrong")).status_code == 401


def test_ready_is_503_on_a_database_not_migrated_and_on_one_that_is_gone(sqlite_database_url: str) -> None:
    runtime = _runtime(sqlite_database_url)
    running = serve(runtime)
    try:
        behind = httpx.get(f"{running.url}/ready")
        assert behind.status_code == 503
        assert behind.json() == {"status": "not ready",
                                 "reason": f"database at migration none, this hub needs {migrate.head_revision()}"
                                           " (hub init)"}
        assert httpx.get(f"{running.url}/health").status_code == 200  # alive all the same
        migrate.upgrade(runtime.engine)
        assert httpx.get(f"{running.url}/ready").status_code == 200
    finally:
        running.stop()
        runtime.close()


def test_metrics_report_queues_by_system_and_state_deliveries_and_the_scheduler_role(
        runtime: HubRuntime, server: RunningServer) -> None:
    with runtime.engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", f"peer:partner:{hub_id}", "upsert", "partner", hub_id, v, {"v": v})
                       for hub_id in ("A", "B", "C") for v in (1, 2, 3)])
    Worker(runtime).run_until_idle()
    with runtime.engine.begin() as conn:
        enqueue(conn, [NewMessage("peer", "peer:partner:D", "upsert", "partner", "D", 1, {})])
        conn.execute(sa.update(queues).where(queues.c.name == "peer:partner:D").values(stopped=True))
    m = _metrics(server)
    assert m["hub_database_up"] == {(): 1.0}
    depth = {dict(labels)["state"]: value for labels, value in m["hub_queue_messages"].items()
             if dict(labels)["system"] == "peer"}
    assert depth == {"blocked": 3, "retrying": 3, "stopped": 1, "ready": 0, "running": 0}
    assert m["hub_queues_blocked"][(("system", "peer"),)] == 1
    assert m["hub_queues_blocked"][(("system", "erp_sap"),)] == 0  # a loaded plugin without trouble: a flat line
    assert m["hub_queues"][(("state", "blocked"), ("system", "peer"))] == 1
    assert m["hub_deliveries_total"][(("outcome", "delivered"), ("system", "peer"))] >= 3
    assert m["hub_delivery_retries_total"][(("system", "peer"),)] >= 1
    assert m["hub_delivery_attempts_count"][(("system", "peer"),)] >= 3
    assert m["hub_delivery_duration_seconds_count"][(("outcome", "blocked"), ("system", "peer"))] >= 1
    assert m["hub_scheduler_leader"] == {(("process", "host-a:42:abcdef"),): 1.0}
    assert m["hub_inbound_attention"][(("plugin", "peer"), ("state", "failed"))] == 0


def test_requests_are_timed_by_declared_route_not_by_the_path_sent(server: RunningServer) -> None:
    httpx.get(f"{server.url}/health")
    httpx.get(f"{server.url}/health")
    httpx.get(f"{server.url}/metrics")  # refused: timed all the same
    m = _metrics(server)
    requests = m["hub_http_request_duration_seconds_count"]
    health = (("method", "GET"), ("plugin", "hub"), ("route", "/health"), ("status", "200"))
    refused = (("method", "GET"), ("plugin", "hub"), ("route", "/metrics"), ("status", "401"))
    assert requests[health] >= 2 and requests[refused] >= 1


def test_a_database_that_cannot_be_read_gives_database_up_0_not_a_failed_scrape(
        runtime: HubRuntime, server: RunningServer) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE queue_state"))
    m = _metrics(server)
    assert m["hub_database_up"] == {(): 0.0}
    assert "hub_scheduler_leader" in m


def test_replication_latency_counts_from_when_the_change_was_enqueued(
        runtime: HubRuntime, server: RunningServer) -> None:
    from datetime import timedelta

    from hub.core.queue.messages import utcnow

    def latency() -> tuple[float, float]:
        m = _metrics(server)
        return (m.get("hub_replication_latency_seconds_count", {}).get((("system", "peer"),), 0.0),
                m.get("hub_replication_latency_seconds_bucket", {}).get((("le", "300.0"), ("system", "peer")), 0.0))

    count_before, quick_before = latency()
    with runtime.engine.begin() as conn:  # a change that has waited ten minutes, one just made
        enqueue(conn, [NewMessage("peer", "peer:partner:OLD", "upsert", "partner", "A", 1, {})],
                now=utcnow() - timedelta(minutes=10))
        enqueue(conn, [NewMessage("peer", "peer:partner:NEW", "upsert", "partner", "A", 2, {})])
    Worker(runtime).run_until_idle()
    count_after, quick_after = latency()
    assert (count_after - count_before, quick_after - quick_before) == (2, 1)

"""Who may call the REST API: a key of a sufficient scope, in either header; the API's
description is public."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from live_api import LiveApi, organisation
from prometheus_client.parser import text_string_to_metric_families

from hub.core.restapi.keys import list_keys, revoke_key
from hub.core.restapi.tables import api_keys


def test_no_key_or_a_bad_key_gets_401_with_a_challenge(live_api: LiveApi) -> None:
    for headers in ({}, {"Authorization": "Bearer hubk_not-a-key"}, {"Authorization": "Basic dXNlcjpwdw=="},
                    {"X-API-Key": "guess"}, {"Authorization": "Bearer " + "x" * 5000}):
        with live_api.client(None, **headers) as api:
            reply = api.get("/partner")
        assert reply.status_code == 401, headers
        assert reply.headers["Content-Type"] == "application/problem+json"
        assert reply.headers["WWW-Authenticate"] == 'Bearer realm="crm-hub"'


def test_a_stranger_gets_401_before_the_body_is_read_or_the_path_routed(live_api: LiveApi) -> None:
    with live_api.client(None) as api:
        broken = api.post("/partner", content=b"{broken", headers={"Content-Type": "application/json"})
        nowhere = api.get("/no/such/path")
    assert (broken.status_code, nowhere.status_code) == (401, 401)
    assert live_api.counts()["documents"] == 0


def test_each_scope_allows_what_it_names_and_everything_below(live_api: LiveApi) -> None:
    body = organisation("Scoped")
    with live_api.client("read") as reader, live_api.client("write") as writer, live_api.client("admin") as admin:
        assert reader.get("/partner").status_code == 200
        refused = reader.post("/partner", json=body, headers={"Idempotency-Key": "r"})
        assert refused.status_code == 403
        assert "scope read; this needs write" in refused.json()["detail"]
        hub_id = writer.post("/partner", json=body, headers={"Idempotency-Key": "w"}).json()["hub_id"]
        assert writer.get(f"/partner/{hub_id}").status_code == 200
        message_id = live_api.messages_of(hub_id)[0]["id"]
        assert writer.post(f"/messages/{message_id}/skip", json={"reason": "no"}).status_code == 403
        assert reader.get(f"/messages/{message_id}").status_code == 200
        assert admin.post(f"/messages/{message_id}/skip", json={"reason": "not for the ERP"}).status_code == 200
    assert live_api.counts()["documents"] == 1


def test_the_key_may_come_as_x_api_key(live_api: LiveApi) -> None:
    with live_api.client(None, **{"X-API-Key": live_api.keys["read"]}) as api:
        assert api.get("/partner").status_code == 200


def test_a_revoked_key_is_refused_from_the_next_request_on(live_api: LiveApi) -> None:
    with live_api.client("read") as api:
        assert api.get("/partner").status_code == 200
        with live_api.runtime.engine.connect() as conn:
            key_id = next(k.id for k in list_keys(conn) if k.scope == "read")
        revoke_key(live_api.runtime.engine, key_id)
        assert api.get("/partner").status_code == 401


def test_the_description_and_its_page_are_public(live_api: LiveApi) -> None:
    schema = httpx.get(f"{live_api.url}/openapi.json", timeout=60)  # the first request builds the app
    assert schema.status_code == 200
    described = schema.json()
    assert described["openapi"].startswith("3.1")
    assert {"bearer", "apiKey"} <= described["components"]["securitySchemes"].keys()
    assert "Partner" in described["components"]["schemas"]
    assert described["paths"]["/partner/{ident}"]["get"]["responses"]["404"]["content"].keys() == {
        "application/problem+json"}
    for page in ("/docs", "/docs/swagger"):
        answer = httpx.get(f"{live_api.url}{page}", timeout=60)
        assert answer.status_code == 200 and "/api/v1/openapi.json" in answer.text


def test_the_reference_page_is_complete_without_anything_from_outside_the_hub(live_api: LiveApi) -> None:
    described = httpx.get(f"{live_api.url}/openapi.json", timeout=60).json()
    page = httpx.get(f"{live_api.url}/docs", timeout=60).text
    assert "<script" not in page and "src=" not in page
    operations = [op for ops in described["paths"].values() for op in ops.values()]
    assert all(f'id="{op["operationId"]}"' in page for op in operations)
    assert all(f'id="schema-{name}"' in page for name in described["components"]["schemas"])
    assert '<a href="#schema-Partner">Partner</a>' in page  # a body's schema links to its fields


def _request_counts(live_api: LiveApi) -> dict[tuple[str, str], float]:
    """(API route, status) -> requests timed, from the hub's /metrics (open: no Basic auth set)."""
    answer = httpx.get(live_api.url.removesuffix("/api/v1") + "/metrics")
    counts: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "hub_http_request_duration_seconds_count" and sample.labels["route"].startswith("/api"):
                key = (sample.labels["route"], sample.labels["status"])
                counts[key] = counts.get(key, 0) + sample.value
    return counts


def test_requests_are_timed_by_the_declared_api_route_not_by_the_path_sent(live_api: LiveApi) -> None:
    before = _request_counts(live_api)
    with live_api.client("read") as api:
        api.get("/partner/bp_ONE")
        api.get("/partner/bp_TWO")
        api.get("/made/up/path")
    with live_api.client(None) as api:
        api.get("/partner/bp_THREE")
    after = _request_counts(live_api)
    grown = {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key, 0)}
    # Refused before routing, a request without a key is timed under the mount's path.
    assert grown == {("/api/v1/partner/{ident}", "404"): 2, ("/api/v1", "404"): 1, ("/api/v1", "401"): 1}


def test_a_key_revoked_elsewhere_is_trusted_no_longer_than_the_cache_setting(live_api: LiveApi) -> None:
    """Revoked by another process (the row only; this process's memory not told): refused
    once ``[http] api_key_cache_seconds`` passed, at once with 0."""
    settings = live_api.runtime.settings.http

    def revoke_elsewhere(scope: str) -> None:
        with live_api.runtime.engine.begin() as conn:
            conn.execute(api_keys.update().where(api_keys.c.scope == scope).values(revoked_at=datetime.now(UTC)))

    settings.api_key_cache_seconds = 600
    with live_api.client("read") as api:
        assert api.get("/partner").status_code == 200
        revoke_elsewhere("read")
        assert api.get("/partner").status_code == 200  # trusted from memory meanwhile
    settings.api_key_cache_seconds = 0
    with live_api.client("write") as api:
        assert api.get("/partner").status_code == 200
        revoke_elsewhere("write")
        assert api.get("/partner").status_code == 401

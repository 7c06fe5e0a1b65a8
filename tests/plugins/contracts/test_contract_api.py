"""A service contract cancelled through the REST API (PUT with If-Match) keeps the notice
period exactly as `hub contract cancel` does: a late cancellation is refused 422 (with
`late_cancellation = "refuse"`) naming the end asked for and the earliest allowed, and
nothing is stored; one with notice is recorded and ends the contract; a recorded
cancellation is not changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
from contract_fixtures import service_contract

from hub.api import Partner
from hub.core.restapi.keys import create_key
from hub.testing.live import LiveHub

TODAY = dt.date.today()
END = TODAY + dt.timedelta(days=60)


def _cancel(api: httpx.Client, hub_id: str, effective: dt.date) -> httpx.Response:
    current = api.get(f"/service_contract/{hub_id}")
    assert current.status_code == 200, current.text
    body: dict[str, Any] = {**current.json(), "cancellation": {
        "requested_on": TODAY.isoformat(), "effective_on": effective.isoformat(), "by": "customer",
        "reason": "moving"}}
    return api.put(f"/service_contract/{hub_id}", json=body, headers={"If-Match": current.headers["ETag"]})


def test_a_cancellation_through_the_api_keeps_the_notice_period(tmp_path: Path, database_url: str) -> None:
    with LiveHub(tmp_path / "hub", {"contracts": {"late_cancellation": "refuse"}}, database_url=database_url) as hub:
        [sold_to] = hub.upsert([Partner.model_validate({"kind": "organisation", "organisation_name": "Kunde AG"})])
        [contract] = hub.upsert([service_contract(sold_to.hub_id, "", TODAY - dt.timedelta(days=100), valid_to=END,
                                                  renewal={"notice_days": 30})])
        key = create_key(hub.runtime.engine, "write", "contracts test").key
        with httpx.Client(base_url=f"{hub.url}/api/v1", headers={"Authorization": f"Bearer {key}"},
                          timeout=30) as api:
            early = _cancel(api, contract.hub_id, TODAY + dt.timedelta(days=20))
            assert early.status_code == 422, early.text
            assert early.headers["Content-Type"] == "application/problem+json"
            [problem] = early.json()["errors"]
            assert problem["loc"] == ["body", "cancellation", "effective_on"]
            assert f"end {(TODAY + dt.timedelta(days=20)).isoformat()} refused: notice period 30 days" \
                in problem["message"]
            assert f"the earliest end allowed is {END.isoformat()}" in problem["message"]
            stored = api.get(f"/service_contract/{contract.hub_id}").json()
            assert (stored["version"], stored["cancellation"]) == (contract.version, None)

            on_time = _cancel(api, contract.hub_id, END)
            assert on_time.status_code == 200, on_time.text
            kept = on_time.json()
            assert kept["cancellation"]["effective_on"] == END.isoformat() and kept["valid_to"] == END.isoformat()
            assert kept["items"][0]["billing_plan"]["end_date"] == END.isoformat()

            again = _cancel(api, contract.hub_id, END - dt.timedelta(days=1))
            assert again.status_code == 422
            assert again.json()["errors"][0]["loc"] == ["body", "cancellation"]
            assert "is recorded already" in again.json()["errors"][0]["message"]

"""The HTTP ports: POSLog (Basic auth) and JSON transactions (a store's API key), against a
live hub on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from pos_fixtures import DATA, MALFORMED, ZONE

from hub.testing.live import LiveHub
from plugins.loyalty_pos.till.keys import create_key

PROBLEM = "application/problem+json"


def _hub(tmp_path: Path) -> LiveHub:
    return LiveHub(tmp_path, {"loyalty_pos": {"timezone": ZONE}})


def test_a_poslog_day_posts_every_transaction_and_a_resent_day_posts_nothing_twice(tmp_path: Path) -> None:
    with _hub(tmp_path) as hub:
        body = (DATA / "poslog60_day.xml").read_bytes()
        first = httpx.post(f"{hub.url}/loyalty_pos/poslog", content=body, headers={"Content-Type": "application/xml"})
        assert first.status_code == 200, first.text
        answer = first.json()
        assert answer["summary"].get("posted", 0) == len(answer["transactions"]) > 1
        again = httpx.post(f"{hub.url}/loyalty_pos/poslog", content=body).json()
        assert set(again["summary"]) == {"duplicate"}
        assert hub.count("retail_transaction") == answer["summary"]["posted"]


def test_a_poslog_with_a_doctype_is_refused_whole_as_a_problem(tmp_path: Path) -> None:
    with _hub(tmp_path) as hub:
        body = (MALFORMED / "doctype_external_entity.xml").read_bytes()
        answer = httpx.post(f"{hub.url}/loyalty_pos/poslog", content=body)
        assert answer.status_code == 422
        assert answer.headers["content-type"] == PROBLEM
        assert "DOCTYPE" in answer.json()["detail"]
        assert hub.count("retail_transaction") == 0


def test_a_json_transaction_posts_for_its_own_store_only(tmp_path: Path) -> None:
    with _hub(tmp_path) as hub:
        key = create_key(hub.context("loyalty_pos"), "S042").key
        other = create_key(hub.context("loyalty_pos"), "S043").key
        body = (DATA / "transaction_sale.json").read_bytes()
        url = f"{hub.url}/loyalty_pos/v1/transactions"
        wrong = httpx.post(url, content=body, headers={"Authorization": f"Bearer {other}"})
        assert wrong.status_code == 403 and wrong.headers["content-type"] == PROBLEM
        assert hub.count("retail_transaction") == 0
        posted = httpx.post(url, content=body, headers={"Authorization": f"Bearer {key}"})
        assert posted.status_code == 201, posted.text
        assert posted.json()["transaction"] == "S042/07/2024-05-18/20931"
        again = httpx.post(url, content=body, headers={"Authorization": f"Bearer {key}"})
        assert again.status_code == 200 and again.json()["status"] == "duplicate"


def test_a_json_transaction_without_a_genuine_key_gets_401(tmp_path: Path) -> None:
    with _hub(tmp_path) as hub:
        body = (DATA / "transaction_sale.json").read_bytes()
        url = f"{hub.url}/loyalty_pos/v1/transactions"
        for headers in ({}, {"Authorization": "Bearer lpk_forged"}, {"Authorization": "Basic YTpi"}):
            answer = httpx.post(url, content=body, headers=headers)
            assert answer.status_code == 401, headers
            assert answer.headers["content-type"] == PROBLEM
            assert answer.headers["www-authenticate"].startswith("Bearer")


def test_wrong_types_get_422_listing_every_field_problem(tmp_path: Path) -> None:
    with _hub(tmp_path) as hub:
        key = create_key(hub.context("loyalty_pos"), "S042").key
        body = json.loads((DATA / "transaction_sale.json").read_text())
        body["lines"][0]["quantity"] = "two"
        body["tenders"][1]["type"] = "bitcoin"
        body["ended_at"] = "yesterday"
        body["total"] = 1e400
        answer = httpx.post(f"{hub.url}/loyalty_pos/v1/transactions", content=json.dumps(body),
                            headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 422
        assert answer.headers["content-type"] == PROBLEM
        fields = sorted(e["field"] for e in answer.json()["errors"])
        assert fields == ["ended_at", "lines.0.quantity", "tenders.1.type", "total"]
        assert hub.count("retail_transaction") == 0
        for hostile in (b"", b"[1]", b"{\"pos_transaction\": 1", b"\xff\xfe", b"{\"total\": NaN}"):
            refused = httpx.post(f"{hub.url}/loyalty_pos/v1/transactions", content=hostile,
                                 headers={"Authorization": f"Bearer {key}"})
            assert refused.status_code == 422, hostile
            assert refused.json()["status"] == 422


def test_totals_that_do_not_add_up_are_refused_with_the_reason(tmp_path: Path) -> None:
    with _hub(tmp_path) as hub:
        key = create_key(hub.context("loyalty_pos"), "S042").key
        body = json.loads((DATA / "transaction_sale.json").read_text())
        body["total"] = "99.99"
        answer = httpx.post(f"{hub.url}/loyalty_pos/v1/transactions", content=json.dumps(body),
                            headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 422
        assert "do not make the total 99.99" in answer.json()["detail"]

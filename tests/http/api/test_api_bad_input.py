"""Hostile and malformed requests to the REST API: each gets problem+json that says
what is wrong (a 422 lists every problem), and nothing of it is stored."""

from __future__ import annotations

import json

import pytest
from live_api import LiveApi, organisation

PROBLEM = "application/problem+json"


def _fields(reply_json: dict) -> list[str]:
    return sorted(problem["field"] for problem in reply_json["errors"])


def test_an_invalid_document_gets_every_problem_listed_and_nothing_stored(live_api: LiveApi) -> None:
    body = {
        "kind": "company",                                   # not a partner kind
        "emails": ["not an address"],                        # no @
        "language": "German",                                # not a language code
        "addresses": [{"city": "Berlin", "country": "Germany"}],  # a country code has two letters
        "colour": "red",                                     # no such field
    }
    with live_api.client("write") as api:
        reply = api.post("/partner", json=body, headers={"Idempotency-Key": "bad"})
    assert reply.status_code == 422
    assert reply.headers["Content-Type"] == PROBLEM
    problem = reply.json()
    assert problem["status"] == 422 and problem["instance"] == "/api/v1/partner"
    assert _fields(problem) == ["addresses.0.country", "colour", "emails.0", "kind", "language"]
    assert all(p["loc"][0] == "body" for p in problem["errors"])
    assert live_api.counts() == {"documents": 0, "queue_messages": 0, "api_idempotency_keys": 0}


def test_a_check_across_fields_is_located_at_its_field(live_api: LiveApi) -> None:
    order = {"sold_to_hub_id": "bp_X", "currency": "EUR", "order_date": "2026-12-07", "items": [
        {"item_number": 10, "product_hub_id": "pr_X", "quantity": {"value": "1", "unit": "PCE"},
         "net_value": {"amount": "10", "currency": "USD"}}]}
    with live_api.client("write") as api:
        reply = api.post("/sales_order", json=order, headers={"Idempotency-Key": "currency"})
    assert reply.status_code == 422, reply.text
    assert "items.0.net_value.currency" in _fields(reply.json())
    assert live_api.counts()["documents"] == 0


ORDER = {"sold_to_hub_id": "bp_X", "currency": "EUR", "order_date": "2026-12-07"}


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/sales_order", {**ORDER, "items": [{"item_number": 10, "description": "Float",
                                          "quantity": {"value": 1.5, "unit": "PCE"}}]}, "items.0.quantity.value"),
    ("/sales_order", {**ORDER, "items": [{"item_number": 2**70, "description": "Huge",
                                          "quantity": {"value": "1", "unit": "PCE"}}]}, "items.0.item_number"),
    ("/partner", organisation("Nul\x00byte"), "organisation_name"),
    ("/partner", organisation("Surrogate \ud800"), "organisation_name"),
    ("/partner", organisation("Key", marketing_attributes={"k\x00": "v"}), "marketing_attributes.k\x00"),
    ("/partner", organisation("Long id", external_ids=[{"system": "crm", "id": "x" * 500}]), "external_ids.0.id"),
])
def test_values_the_store_cannot_keep_are_refused_by_field(live_api: LiveApi, path: str, body: dict,
                                                           field: str) -> None:
    with live_api.client("write") as api:
        # json.dumps escapes what UTF-8 cannot carry (a lone surrogate) as JSON allows.
        reply = api.post(path, content=json.dumps(body).encode(), headers={"Idempotency-Key": "hostile",
                                                                          "Content-Type": "application/json"})
    assert reply.status_code == 422, reply.text
    assert field in _fields(reply.json())
    assert live_api.counts()["documents"] == 0


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2, 3]", b"", b"null", b'"text"', b"[" * 100_000])
def test_a_body_that_is_no_document_is_refused(live_api: LiveApi, raw: bytes) -> None:
    with live_api.client("write") as api:
        reply = api.post("/partner", content=raw, headers={"Idempotency-Key": "raw",
                                                           "Content-Type": "application/json"})
    assert reply.status_code in (400, 422), reply.text
    assert reply.headers["Content-Type"] == PROBLEM
    assert live_api.counts()["documents"] == 0


def test_a_body_over_the_limit_gets_413_before_it_is_read(live_api: LiveApi) -> None:
    huge = b'{"kind": "person", "last_name": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    with live_api.client("write") as api:
        declared = api.post("/partner", content=huge, headers={"Idempotency-Key": "big",
                                                               "Content-Type": "application/json"})
        chunked = api.post("/partner", content=iter([huge[i:i + 65536] for i in range(0, len(huge), 65536)]),
                           headers={"Idempotency-Key": "big2", "Content-Type": "application/json"})
    for reply in (declared, chunked):
        assert reply.status_code == 413
        assert reply.headers["Content-Type"] == PROBLEM
    assert live_api.counts()["documents"] == 0


def test_a_create_needs_an_idempotency_key_and_no_hub_id(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        none = api.post("/partner", json=organisation("No key"))
        empty = api.post("/partner", json=organisation("Empty key"), headers={"Idempotency-Key": ""})
        long = api.post("/partner", json=organisation("Long key"), headers={"Idempotency-Key": "k" * 201})
        own_id = api.post("/partner", json=organisation("Own id", hub_id="bp_MINE"),
                          headers={"Idempotency-Key": "own"})
    for reply in (none, empty, long):
        assert reply.status_code == 422, reply.text
        assert reply.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert own_id.status_code == 422
    assert _fields(own_id.json()) == ["hub_id"]
    assert live_api.counts()["documents"] == 0


def test_unknown_paths_ids_and_methods_answer_problems(live_api: LiveApi) -> None:
    with live_api.client("admin") as api:
        for reply, status in ((api.get("/no_such_type/x"), 404), (api.get("/partner/bp_NOPE"), 404),
                              (api.delete("/partner/bp_NOPE"), 405), (api.get("/partner/a%00b"), 422),
                              (api.get("/messages/0"), 422), (api.get("/messages/99999999999999999999"), 422)):
            assert reply.status_code == status, reply.text
            assert reply.headers["Content-Type"] == PROBLEM

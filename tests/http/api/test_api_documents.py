"""Reading, creating and updating canonical documents through the REST API, on a live
server over each backend: ids of every kind, idempotent creates, versioned updates,
and writes that reach the replication queues in their own transaction."""

from __future__ import annotations

import threading

from live_api import LiveApi, organisation


def test_a_created_document_is_read_back_by_hub_id_and_by_its_external_id(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        body = organisation("ACME GmbH", external_ids=[{"system": "crm", "id": "C-100"}],
                            emails=["Info@ACME.example"])
        created = api.post("/partner", json=body, headers={"Idempotency-Key": "create-acme"})
        assert created.status_code == 201, created.text
        document = created.json()
        hub_id = document["hub_id"]
        assert hub_id.startswith("bp_") and document["version"] == 1
        assert document["emails"] == ["Info@acme.example"]  # the domain lower-cased, as the model does for any source
        assert created.headers["ETag"] == '"1"'
        assert created.headers["Location"] == f"/api/v1/partner/{hub_id}"
        for ident in (hub_id, "crm:C-100", "C-100"):
            read = api.get(f"/partner/{ident}")
            assert read.status_code == 200, read.text
            assert read.json() == document
            assert read.headers["ETag"] == '"1"'
        assert api.get("/sales_order/crm:C-100").status_code == 404  # a partner is no order


def test_a_create_is_queued_to_every_target_system_in_its_own_transaction(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        created = api.post("/partner", json=organisation("Queued AG"), headers={"Idempotency-Key": "q1"})
    hub_id = created.json()["hub_id"]
    queued = live_api.messages_of(hub_id)
    assert [(m["system"], m["queue"], m["version"], m["status"]) for m in queued] == [
        ("erp_sap", f"erp_sap:partner:{hub_id}", 1, "queued")]
    assert queued[0]["payload"]["source"] == "api"
    assert queued[0]["payload"]["data"]["organisation_name"] == "Queued AG"


def test_the_same_create_again_answers_the_same_and_writes_nothing(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        first = api.post("/partner", json=organisation("Once Ltd"), headers={"Idempotency-Key": "k-once"})
        before = live_api.counts()
        # The same JSON, spelt differently: the same request.
        again = api.post("/partner", content=b'{ "organisation_name": "Once Ltd",  "kind": "organisation" }',
                         headers={"Idempotency-Key": "k-once", "Content-Type": "application/json"})
        assert (again.status_code, again.json()) == (first.status_code, first.json())
        assert again.headers["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first.headers
        assert live_api.counts() == before


def test_another_body_under_a_used_key_is_refused_and_not_applied(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        first = api.post("/partner", json=organisation("Original"), headers={"Idempotency-Key": "k-reused"})
        before = live_api.counts()
        other = api.post("/partner", json=organisation("Impostor"), headers={"Idempotency-Key": "k-reused"})
        assert other.status_code == 422
        assert other.headers["Content-Type"] == "application/problem+json"
        problem = other.json()
        assert problem["type"].endswith("/idempotency-key-reused")
        assert problem["errors"][0]["loc"] == ["header", "Idempotency-Key"]
        assert live_api.counts() == before
        assert api.get(f"/partner/{first.json()['hub_id']}").json()["organisation_name"] == "Original"


def test_idempotency_keys_belong_to_one_api_key(live_api: LiveApi) -> None:
    with live_api.client("write") as writer, live_api.client("admin") as admin:
        one = writer.post("/partner", json=organisation("Writer's"), headers={"Idempotency-Key": "shared"})
        two = admin.post("/partner", json=organisation("Admin's"), headers={"Idempotency-Key": "shared"})
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json()["hub_id"] != two.json()["hub_id"]


def test_concurrent_creates_under_one_key_make_one_document(live_api: LiveApi) -> None:
    answers: list[tuple[int, str]] = []

    def send() -> None:
        with live_api.client("write") as api:
            reply = api.post("/partner", json=organisation("Raced Inc"), headers={"Idempotency-Key": "raced"})
            answers.append((reply.status_code, reply.json()["hub_id"]))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 6
    assert {status for status, _ in answers} == {201}
    assert len({hub_id for _, hub_id in answers}) == 1
    assert live_api.counts()["documents"] == 1
    assert len(live_api.messages_of(answers[0][1])) == 1


def test_an_update_needs_the_current_version(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        hub_id = api.post("/partner", json=organisation("Versioned"), headers={"Idempotency-Key": "v"}).json()["hub_id"]
        renamed = api.put(f"/partner/{hub_id}", json=organisation("Versioned 2"), headers={"If-Match": '"1"'})
        assert renamed.status_code == 200, renamed.text
        assert (renamed.json()["version"], renamed.headers["ETag"]) == (2, '"2"')
        before = live_api.counts()
        stale = api.put(f"/partner/{hub_id}", json=organisation("Lost update"), headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        assert stale.headers["Content-Type"] == "application/problem+json"
        assert "version 2 is stored" in stale.json()["detail"]
        missing = api.put(f"/partner/{hub_id}", json=organisation("Blind update"))
        assert missing.status_code == 428
        weak = api.put(f"/partner/{hub_id}", json=organisation("Weak"), headers={"If-Match": 'W/"2"'})
        assert weak.status_code == 412
        malformed = api.put(f"/partner/{hub_id}", json=organisation("Odd"), headers={"If-Match": "two"})
        assert malformed.status_code == 422
        assert malformed.json()["errors"][0]["loc"] == ["header", "If-Match"]
        assert live_api.counts() == before
        assert api.get(f"/partner/{hub_id}").json()["organisation_name"] == "Versioned 2"
        anyway = api.put(f"/partner/{hub_id}", json=organisation("Versioned 3"), headers={"If-Match": '"1", "2"'})
        assert anyway.json()["version"] == 3
        star = api.put(f"/partner/{hub_id}", json=organisation("Versioned 4"), headers={"If-Match": "*"})
        assert star.json()["version"] == 4
    assert [m["version"] for m in live_api.messages_of(hub_id)] == [1, 2, 3, 4]


def test_an_update_that_changes_nothing_makes_no_version_and_no_message(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        hub_id = api.post("/partner", json=organisation("Still"), headers={"Idempotency-Key": "s"}).json()["hub_id"]
        same = api.put(f"/partner/{hub_id}", json=organisation("Still"), headers={"If-Match": '"1"'})
    assert (same.status_code, same.json()["version"]) == (200, 1)
    assert len(live_api.messages_of(hub_id)) == 1


def test_an_update_leaves_fields_it_does_not_send(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        body = organisation("Kept", emails=["kept@example.com"])
        hub_id = api.post("/partner", json=body, headers={"Idempotency-Key": "kept"}).json()["hub_id"]
        updated = api.put(f"/partner/{hub_id}", json=organisation("Kept & Co"), headers={"If-Match": '"1"'}).json()
    assert (updated["organisation_name"], updated["emails"]) == ("Kept & Co", ["kept@example.com"])


def test_an_update_names_its_document_by_external_id_too(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        body = organisation("Elsewhere", external_ids=[{"system": "crm", "id": "E-1"}])
        api.post("/partner", json=body, headers={"Idempotency-Key": "e"})
        updated = api.put("/partner/crm:E-1", json=organisation("Elsewhere 2"), headers={"If-Match": '"1"'})
        assert updated.json()["organisation_name"] == "Elsewhere 2"
        other = api.put("/partner/crm:E-1", json=organisation("X", hub_id="bp_SOMETHINGELSE"),
                        headers={"If-Match": "*"})
        assert other.status_code == 422
        assert other.json()["errors"][0]["field"] == "hub_id"
        unknown = api.put("/partner/crm:NOPE", json=organisation("X"), headers={"If-Match": "*"})
        assert unknown.status_code == 404

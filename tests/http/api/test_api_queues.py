"""The partner's 360-degree view and the replication queues through the REST API: the
same answers as the CLI's, and the administrator's actions with their history."""

from __future__ import annotations

from live_api import LiveApi, organisation

from hub.core.masterdata.view import partner_view


def test_the_360_view_is_the_one_hub_partner_show_gives(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        body = organisation("Viewed", external_ids=[{"system": "crm", "id": "V-1"}])
        hub_id = api.post("/partner", json=body, headers={"Idempotency-Key": "view"}).json()["hub_id"]
        order = {"sold_to_hub_id": hub_id, "currency": "EUR", "order_date": "2026-12-07",
                 "items": [{"item_number": 10, "description": "Thing", "quantity": {"value": "2", "unit": "PCE"}}]}
        order_id = api.post("/sales_order", json=order, headers={"Idempotency-Key": "order"}).json()["hub_id"]
        reply = api.get("/partner/crm:V-1/view")
    assert reply.status_code == 200, reply.text
    view = reply.json()
    with live_api.runtime.engine.connect() as conn:
        expected = partner_view(conn, hub_id).as_dict()
    assert view["partner"] == expected["partner"]
    assert [d["hub_id"] for d in view["related_documents"]] == [order_id]
    assert view["related_documents"][0]["roles"] == ["sold_to_hub_id"]
    assert view["related_documents"][0]["replication"][0]["state"] == "queued"
    assert [r["system"] for r in view["replication"]] == ["erp_sap"]


def test_skip_needs_a_reason_and_keeps_it_and_replay_sends_again(live_api: LiveApi) -> None:
    with live_api.client("admin") as api:
        hub_id = api.post("/partner", json=organisation("Queued"), headers={"Idempotency-Key": "q"}).json()["hub_id"]
        message_id = live_api.messages_of(hub_id)[0]["id"]
        queue = f"erp_sap:partner:{hub_id}"
        listed = api.get("/messages", params={"queue": queue}).json()
        assert [(m["id"], m["status"]) for m in listed] == [(message_id, "queued")]
        assert api.get("/queues").json()["queues"][0]["queue"] == queue
        assert api.post(f"/messages/{message_id}/skip", json={"reason": "  "}).status_code == 422
        assert api.post(f"/messages/{message_id}/retry").status_code == 409  # not blocked
        assert api.post(f"/messages/{message_id}/replay").status_code == 409  # still in its queue
        skipped = api.post(f"/messages/{message_id}/skip", json={"reason": "sent by hand"})
        assert skipped.json() == {"action": "skip", "queue": queue, "message": message_id, "new_message": None,
                                  "reason": "sent by hand"}
        shown = api.get(f"/messages/{message_id}").json()
        assert (shown["status"], shown["history"][-1]["detail"]) == ("skipped", "sent by hand")
        replayed = api.post(f"/messages/{message_id}/replay").json()
        assert replayed["new_message"] > message_id
        assert api.get(f"/messages/{replayed['new_message']}").json()["replay_of"] == message_id
        assert api.post("/messages/999999/retry").status_code == 404
        assert api.post(f"/queues/{queue}/retry").status_code == 409  # queued, not blocked
        assert api.get("/messages", params={"state": "bogus"}).status_code == 422

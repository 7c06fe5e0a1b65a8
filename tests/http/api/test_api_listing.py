"""Listing the documents of a type changed since a time, page by page with an opaque
cursor, while documents change between the pages."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from live_api import LiveApi, organisation

from hub.core.masterdata import Incoming
from hub.core.model.partner import Partner
from hub.core.settings import HubSettings

SETTLE = timedelta(milliseconds=300)


@pytest.fixture(autouse=True)
def short_settle(hub_settings: HubSettings) -> None:
    """A shorter settle (``[http] api_settle_seconds``) keeps the tests quick; they list
    what they wrote after it, so they also show the setting is what the server uses."""
    hub_settings.http.api_settle_seconds = SETTLE.total_seconds()


def _settle() -> None:
    time.sleep(SETTLE.total_seconds() + 0.05)


def _page(api: httpx.Client, **params: Any) -> dict[str, Any]:
    reply = api.get("/partner", params=params)
    assert reply.status_code == 200, reply.text
    page: dict[str, Any] = reply.json()
    return page


def _create(api: httpx.Client, name: str) -> str:
    reply = api.post("/partner", json=organisation(name), headers={"Idempotency-Key": name})
    assert reply.status_code == 201, reply.text
    hub_id: str = reply.json()["hub_id"]
    return hub_id


def test_pages_list_every_document_once_in_its_latest_state_while_documents_change(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        ids = [_create(api, f"Partner {n}") for n in range(7)]
        _settle()
        first = _page(api, limit=3)
        assert [d["hub_id"] for d in first["items"]] == ids[:3]
        assert first["more"] is True
        # Between the pages: one already listed changes, one not yet listed changes.
        api.put(f"/partner/{ids[0]}", json=organisation("Partner 0 renamed"), headers={"If-Match": '"1"'})
        api.put(f"/partner/{ids[4]}", json=organisation("Partner 4 renamed"), headers={"If-Match": '"1"'})
        _settle()
        seen = list(first["items"])
        cursor = first["next_cursor"]
        while True:
            page = _page(api, limit=3, cursor=cursor)
            seen += page["items"]
            cursor = page["next_cursor"]
            if not page["more"]:
                break
        assert [d["hub_id"] for d in seen] == [*ids[:4], ids[5], ids[6], ids[0], ids[4]]
        assert [d["version"] for d in seen[-2:]] == [2, 2]
        assert seen[-1]["organisation_name"] == "Partner 4 renamed"
        # Kept and sent again later, the last cursor lists what changed since, and only that.
        late = _create(api, "Partner late")
        _settle()
        after = _page(api, cursor=cursor)
        assert ([d["hub_id"] for d in after["items"]], after["more"]) == ([late], False)
        assert _page(api, cursor=after["next_cursor"])["items"] == []


def test_documents_changed_in_one_batch_share_a_time_and_page_by_hub_id(live_api: LiveApi) -> None:
    batch = [Incoming(Partner(kind="person", last_name=f"Batch {n}"), "hub") for n in range(5)]
    written = sorted(r.hub_id for r in live_api.runtime.masterdata().upsert_many(batch))
    _settle()
    with live_api.client("read") as api:
        pages = [_page(api, limit=2)]
        while pages[-1]["more"]:
            pages.append(_page(api, limit=2, cursor=pages[-1]["next_cursor"]))
    assert [[d["hub_id"] for d in p["items"]] for p in pages] == [written[:2], written[2:4], written[4:]]


def test_since_lists_only_what_changed_from_then_and_fresh_changes_wait_to_settle(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        old = _create(api, "Old")
        _settle()
        cut = datetime.now(UTC)
        new = _create(api, "New")
        assert _page(api, since=cut.isoformat())["items"] == []  # not settled yet
        _settle()
        assert [d["hub_id"] for d in _page(api, since=cut.isoformat())["items"]] == [new]
        assert [d["hub_id"] for d in _page(api)["items"]] == [old, new]


def test_a_cursor_is_refused_when_it_was_not_handed_out_for_this_type(live_api: LiveApi) -> None:
    with live_api.client("write") as api:
        _create(api, "Cursor")
        _settle()
        cursor = _page(api, limit=1)["next_cursor"]
        for bad, where in ((cursor, "/product"), ("not-a-cursor", "/partner"), ("e30", "/partner")):
            reply = api.get(where, params={"cursor": bad})
            assert reply.status_code == 422, (bad, where, reply.text)
            assert reply.json()["errors"][0]["loc"] == ["query", "cursor"]
        naive = api.get("/partner", params={"since": "2026-01-01T00:00:00"})
        assert naive.status_code == 422
        assert naive.json()["errors"][0]["loc"] == ["query", "since"]
        assert api.get("/partner", params={"limit": 0}).status_code == 422

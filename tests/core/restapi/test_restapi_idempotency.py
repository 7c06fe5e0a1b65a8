"""Idempotency keys of the REST API in the store: what counts as the same request, the
answer kept, another request under a used key refused, and old keys purged."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub.core.model.base import utcnow
from hub.core.queue.retention import purge
from hub.core.queue.settings import QueueSettings
from hub.core.restapi.idempotency import IdempotencyKeyReused, KeyedRequest, Remembered, recall, remember
from hub.core.restapi.tables import idempotency_keys


def _request(body: bytes, key: str = "k1", path: str = "/api/v1/partner", api_key: str = "ak_1") -> KeyedRequest:
    return KeyedRequest(api_key, key, "POST", path, body)


def test_the_same_json_spelt_otherwise_is_the_same_request() -> None:
    one = _request(b'{"kind": "person", "last_name": "A"}')
    assert one.digest == _request(b'{"last_name":"A","kind":"person"}').digest
    assert one.digest != _request(b'{"kind": "person", "last_name": "B"}').digest
    assert one.digest != _request(b'{"kind": "person", "last_name": "A"}', path="/api/v1/product").digest
    assert _request(b"\xff not json").digest == _request(b"\xff not json").digest


def test_a_kept_answer_is_recalled_and_another_request_under_its_key_refused(hub_engine: sa.Engine) -> None:
    first = _request(b'{"a": 1}')
    answer = Remembered(201, {"hub_id": "bp_1", "version": 1}, "bp_1")
    with hub_engine.begin() as conn:
        assert recall(conn, first) is None
        remember(conn, first, answer, utcnow())
    with hub_engine.begin() as conn:
        assert recall(conn, _request(b'{ "a" : 1 }')) == answer
        assert recall(conn, _request(b'{"a": 1}', api_key="ak_2")) is None  # keys belong to one API key
        with pytest.raises(IdempotencyKeyReused, match="key 'k1' was used before for a different request"):
            recall(conn, _request(b'{"a": 2}'))
    with pytest.raises(sa.exc.IntegrityError), hub_engine.begin() as conn:
        remember(conn, first, answer, utcnow())  # the race's loser: rolled back, then recalls


def test_retention_purges_keys_as_old_as_the_payloads_it_purges(hub_engine: sa.Engine) -> None:
    settings = QueueSettings()
    now = utcnow()
    with hub_engine.begin() as conn:
        remember(conn, _request(b"{}", key="old"), Remembered(201, {}, None),
                 now - timedelta(days=settings.retention_payload_days + 1))
        remember(conn, _request(b"{}", key="new"), Remembered(201, {}, None), now)
    assert purge(hub_engine, settings, now).idempotency_keys == 1
    with hub_engine.connect() as conn:
        assert conn.execute(sa.select(idempotency_keys.c.idempotency_key)).scalars().all() == ["new"]

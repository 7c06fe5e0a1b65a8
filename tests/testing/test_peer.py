"""RecordingPeer: a real HTTP server on 127.0.0.1 that records requests and answers from a script."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest

from hub.testing.peer import Answer, RecordingPeer


def _client() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=5)


def test_every_request_is_recorded_as_received(recording_peer: RecordingPeer) -> None:
    before = datetime.now(UTC)
    with _client() as client:
        answer = client.post(f"{recording_peer.url}/orders/7?x=1&x=2&empty=", content=b"\x00body",
                             headers={"X-Signature": "abc", "Content-Type": "application/octet-stream"})
        client.get(f"{recording_peer.url}/ping")
    assert (answer.status_code, answer.content) == (200, b"")
    first, second = recording_peer.requests
    assert (first.method, first.path, first.query, first.body) == ("POST", "/orders/7", "x=1&x=2&empty=", b"\x00body")
    assert first.params == {"x": ["1", "2"], "empty": [""]}
    assert first.headers["x-signature"] == "abc" and first.headers["Content-Type"] == "application/octet-stream"
    assert (second.method, second.path, second.body) == ("GET", "/ping", b"")
    assert before <= first.at <= second.at <= datetime.now(UTC)


def test_answers_come_from_the_paths_queue_then_the_any_path_queue_then_otherwise(
        recording_peer: RecordingPeer) -> None:
    recording_peer.script(Answer(503, headers={"Retry-After": "7"}), Answer.json({"id": "4711"}, status=201),
                          path="/orders")
    recording_peer.script(Answer(202, b"any path"))
    recording_peer.otherwise = Answer(204)
    with _client() as client:
        answers = [client.post(f"{recording_peer.url}{path}", json={"n": n})
                   for n, path in enumerate(["/orders", "/other", "/orders", "/orders", "/other"])]
    assert [a.status_code for a in answers] == [503, 202, 201, 204, 204]
    assert answers[0].headers["retry-after"] == "7"
    assert answers[1].content == b"any path"
    assert answers[2].json() == {"id": "4711"} and answers[2].headers["content-type"] == "application/json"
    assert [r.json() for r in recording_peer.requests] == [{"n": n} for n in range(5)]


def test_a_delay_longer_than_the_clients_timeout_provokes_one(recording_peer: RecordingPeer) -> None:
    recording_peer.script(Answer(delay=3))
    started = time.monotonic()
    with _client() as client, pytest.raises(httpx.ReadTimeout):
        client.get(f"{recording_peer.url}/slow", timeout=0.3)
    assert time.monotonic() - started < 2
    [request] = recording_peer.requests
    assert request.path == "/slow", "a request is recorded before it is answered"


def test_a_dropped_connection_gets_no_answer_at_all(recording_peer: RecordingPeer) -> None:
    recording_peer.script(Answer(drop=True))
    with _client() as client:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            client.post(f"{recording_peer.url}/hang-up", content=b"x")
        assert client.get(f"{recording_peer.url}/after").status_code == 200, "the peer serves on"
    assert [r.path for r in recording_peer.requests] == ["/hang-up", "/after"]


def test_concurrent_requests_each_take_one_scripted_answer(recording_peer: RecordingPeer) -> None:
    recording_peer.script(*(Answer(body=str(n).encode()) for n in range(40)))
    with _client() as client, ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(lambda n: client.post(f"{recording_peer.url}/p{n}", content=str(n)).content,
                               range(40)))
    assert sorted(int(b) for b in bodies) == list(range(40))
    assert sorted(int(r.body) for r in recording_peer.requests) == list(range(40))


def test_reset_forgets_requests_and_script() -> None:
    with RecordingPeer(otherwise=Answer(202)) as peer, _client() as client:
        peer.script(Answer(500), path="/a")
        peer.otherwise = Answer(418)
        client.get(f"{peer.url}/b")
        peer.reset()
        assert peer.requests == []
        assert client.get(f"{peer.url}/a").status_code == 202, "the script is gone, otherwise is as made"


def test_stopping_drops_a_request_waiting_out_its_delay_and_frees_the_port() -> None:
    peer = RecordingPeer(otherwise=Answer(delay=30))
    url = peer.start()
    errors: list[Exception] = []

    def wait() -> None:
        try:
            httpx.get(url, trust_env=False, timeout=60)
        except httpx.HTTPError as exc:
            errors.append(exc)

    waiting = threading.Thread(target=wait, daemon=True)
    waiting.start()
    while not peer.requests:
        time.sleep(0.01)
    started = time.monotonic()
    peer.stop()
    waiting.join(5)
    assert time.monotonic() - started < 5 and not waiting.is_alive()
    assert [type(e) for e in errors] == [httpx.RemoteProtocolError]
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, trust_env=False)
    with pytest.raises(RuntimeError, match="not started"):
        peer.url  # noqa: B018 -- the property raises

"""The transport checks of the conformance suite pass a sound transport and catch each kind of unsound one.

The transport under test is a small real one (httpx posting JSON to the recording
peer); each unsound variant breaks one promise the queue relies on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import pytest

from hub.api import DeliveryResult, OutboundMessage, PermanentError, TransientError
from hub.testing.conformance import USUAL_OUTCOMES, Outcome, check_delivers, check_transport
from hub.testing.peer import Answer, RecordingPeer

TIMEOUT = 1.0
"""Seconds the toy transport waits: at 0.2 a loaded machine made plain answers time out."""
EMPTY_200 = Answer()
MESSAGE = OutboundMessage(id=1, queue="toy:order:1", seq=1, system="toy", kind="upsert", doc_type="sales_order",
                          hub_id="so_1", version=1, payload={"data": {"id": "1"}}, idempotency_key="k1", attempt=1)


def retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    if value.isdigit():
        return float(value)
    return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())


class ToyTransport:
    """Posts the message as JSON; translates every failure of the peer."""

    def __init__(self, url: str, timeout: float | None = TIMEOUT, *, leak: bool = False,
                 keep_retry_after: bool = True, client_errors_permanent: bool = True) -> None:
        self.url = url + "/orders"
        self.timeout = timeout
        self.leak = leak
        self.keep_retry_after = keep_retry_after
        self.client_errors_permanent = client_errors_permanent
        self.client = httpx.Client(trust_env=False, timeout=timeout)

    def send(self, message: OutboundMessage) -> DeliveryResult:
        try:
            answer = self.client.post(self.url, json=message.payload)
        except httpx.HTTPError as exc:
            if self.leak:
                raise
            raise TransientError(f"{self.url}: {type(exc).__name__}") from exc
        if answer.status_code >= 500 or answer.status_code == 429:
            wait = retry_after(answer.headers.get("Retry-After")) if self.keep_retry_after else None
            raise TransientError(f"{self.url} answered {answer.status_code}", retry_after=wait)
        if answer.status_code >= 400:
            error = PermanentError if self.client_errors_permanent else TransientError
            raise error(f"{self.url} answered {answer.status_code}")
        try:
            number = json.loads(answer.content or b"{}").get("number")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TransientError(f"{self.url}: unreadable answer") from exc
        return DeliveryResult(external_ids=(number,) if number else ())

    def close(self) -> None:
        self.client.close()


def _fails(build: Callable[[str], ToyTransport], peer: RecordingPeer, *, outcomes: Mapping[str, Outcome] | None = None,
           success: Answer | None = EMPTY_200) -> str:
    with pytest.raises(AssertionError) as failed:
        check_transport(build, MESSAGE, peer, timeout=TIMEOUT, outcomes=outcomes, success=success)
    return str(failed.value)


def test_a_sound_transport_passes_every_case(recording_peer: RecordingPeer) -> None:
    check_transport(ToyTransport, MESSAGE, recording_peer, timeout=TIMEOUT, success=Answer.json({"number": "7"}))
    [request] = recording_peer.requests
    assert request.json() == {"data": {"id": "1"}}, "the success case sent the message"


def test_foreign_exceptions_escaping_are_reported_case_by_case(recording_peer: RecordingPeer) -> None:
    report = _fails(lambda url: ToyTransport(url, leak=True), recording_peer)
    assert "the transport fails 3 case(s)" in report
    assert "dropped (connection closed without an answer): RemoteProtocolError escaped the transport" in report
    assert "refused (nothing listens on the port): ConnectError escaped the transport" in report
    assert "timeout (answers after 2 s): ReadTimeout escaped the transport" in report


def test_a_lost_retry_after_is_reported(recording_peer: RecordingPeer) -> None:
    report = _fails(lambda url: ToyTransport(url, keep_retry_after=False), recording_peer)
    assert "the transport fails 3 case(s)" in report
    assert "http_429_retry_after (429 with Retry-After: 7): TransientError.retry_after is None, expected 7" in report
    assert "http_503_retry_after_date (503 with Retry-After: " in report


def test_a_refusal_taken_for_trouble_is_reported(recording_peer: RecordingPeer) -> None:
    report = _fails(lambda url: ToyTransport(url, client_errors_permanent=False), recording_peer)
    assert "http_404 (404 answer): expected permanent, but send raised TransientError" in report
    assert "the transport fails 5 case(s)" in report


def test_a_transport_without_a_timeout_is_reported(recording_peer: RecordingPeer) -> None:
    started = time.monotonic()
    report = _fails(lambda url: ToyTransport(url, timeout=None), recording_peer)
    assert "timeout (answers after 2 s): expected transient, but send returned DeliveryResult" in report
    assert time.monotonic() - started < 10


def test_a_transport_that_never_sends_shows_nothing_and_fails(recording_peer: RecordingPeer) -> None:
    class Refuser(ToyTransport):
        def send(self, message: OutboundMessage) -> DeliveryResult:
            raise PermanentError("cannot render the message")

    everything_permanent: dict[str, Outcome] = dict.fromkeys(USUAL_OUTCOMES, "permanent")
    report = _fails(Refuser, recording_peer, outcomes=everything_permanent, success=None)
    assert "http_400 (400 answer): the transport never reached the peer" in report
    assert "refused" not in report, "nothing is expected to reach a closed port"


def test_outcomes_are_declared_case_by_case(recording_peer: RecordingPeer) -> None:
    check_transport(lambda url: ToyTransport(url, client_errors_permanent=False), MESSAGE, recording_peer,
                    timeout=TIMEOUT, outcomes={f"http_{s}": "transient" for s in (400, 401, 403, 404, 422)})
    delivered: dict[str, Outcome] = {"garbage_body": "delivered"}
    report = _fails(ToyTransport, recording_peer, outcomes=delivered)
    assert "garbage_body (200 with random bytes): expected delivered, but send raised TransientError" in report


def test_misdeclared_outcomes_are_refused(recording_peer: RecordingPeer) -> None:
    with pytest.raises(ValueError, match="unknown transport case.s. http_999"):
        check_transport(ToyTransport, MESSAGE, recording_peer, timeout=TIMEOUT, outcomes={"http_999": "transient"})
    with pytest.raises(ValueError, match="only garbage_body may be declared delivered, not http_500"):
        check_transport(ToyTransport, MESSAGE, recording_peer, timeout=TIMEOUT, outcomes={"http_500": "delivered"})


def test_check_delivers_reports_a_failed_or_odd_delivery(recording_peer: RecordingPeer) -> None:
    class Odd(ToyTransport):
        def send(self, message: OutboundMessage) -> DeliveryResult:
            return "ok"  # type: ignore[return-value]  # the very mistake the check catches

    recording_peer.script(Answer.json({"number": "4711"}), Answer(503))
    sound, odd = ToyTransport(recording_peer.url), Odd(recording_peer.url)
    try:
        assert check_delivers(sound, MESSAGE) == DeliveryResult(external_ids=("4711",))
        with pytest.raises(AssertionError, match="send did not deliver: TransientError: .* answered 503"):
            check_delivers(sound, MESSAGE)
        with pytest.raises(AssertionError, match="send returned 'ok'; a transport returns a DeliveryResult or None"):
            check_delivers(odd, MESSAGE)
    finally:
        sound.close()
        odd.close()

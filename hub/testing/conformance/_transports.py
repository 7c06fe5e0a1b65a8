"""The transport checks (see the package docstring for the cases and what they expect).

The queue decides what to do from the type of a transport's error alone, so any other
exception escaping ``send`` is a bug at the plugin's boundary: the worker records it,
but nobody chose whether it was worth retrying.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import MappingProxyType
from typing import Literal

from hub.core.errors import DeliveryError, PermanentError, TransientError
from hub.core.plugins.contracts import Transport
from hub.core.queue.messages import DeliveryResult, OutboundMessage
from hub.testing.peer import Answer, RecordingPeer

Outcome = Literal["transient", "permanent", "delivered"]
"""What ``send`` must do in a case: raise ``TransientError``, raise ``PermanentError``,
or return (a ``DeliveryResult`` or None)."""

RETRY_AFTER = 7.0
RETRY_AFTER_DATE = 60.0

USUAL_OUTCOMES: Mapping[str, Outcome] = MappingProxyType({
    "http_500": "transient", "http_502": "transient", "http_503": "transient", "http_429": "transient",
    "http_503_retry_after": "transient", "http_429_retry_after": "transient",
    "http_503_retry_after_date": "transient",
    "http_400": "permanent", "http_401": "permanent", "http_403": "permanent", "http_404": "permanent",
    "http_422": "permanent",
    "garbage_body": "transient", "timeout": "transient", "dropped": "transient", "refused": "transient",
})
"""The usual outcome of each failure case (see the docstring of hub.testing.conformance)."""

EMPTY_200 = Answer()


@dataclass(frozen=True)
class _Case:
    name: str
    what: str
    answer: Answer | None
    """None: nothing listens (the connection is refused)."""
    retry_after: float | None = None
    tolerance: float = 0.0


def check_transport(build: Callable[[str], Transport], message: OutboundMessage, peer: RecordingPeer, *,
                    timeout: float, outcomes: Mapping[str, Outcome] | None = None,
                    success: Answer | None = EMPTY_200) -> None:
    """Run every case (see the docstring of hub.testing.conformance) against the transport.

    ``build(url)`` returns a new transport that sends to the peer at ``url``
    (``http://127.0.0.1:PORT``, the transport adds its own path), waiting at most
    ``timeout`` seconds for an answer: the ``timeout`` case makes the peer wait twice
    that. ``message`` is what each case sends. ``outcomes`` overrides ``USUAL_OUTCOMES``
    case by case. ``success`` is the peer's answer that means delivered; None leaves
    the success case out, for a transport whose peer must answer something the
    recording peer cannot (check it with ``check_delivers`` against a real peer).

    Every case must reach the peer (except ``refused``), so a transport that fails
    before sending passes nothing. All failing cases are reported together. The peer
    is reset for each case; afterwards it holds the last case's requests (the success
    case's, unless left out).
    """
    expected = _expected(outcomes)
    failures = []
    for case in _cases(timeout):
        failure = _run(case, expected[case.name], build, message, peer)
        if failure:
            failures.append(f"{case.name} ({case.what}): {failure}")
    if success is not None:
        failure = _run(_Case("success", f"{success.status} answer", success), "delivered", build, message, peer)
        if failure:
            failures.append(f"success: {failure}")
    if failures:
        raise AssertionError(f"the transport fails {len(failures)} case(s):\n  " + "\n  ".join(failures))


def check_delivers(transport: Transport, message: OutboundMessage) -> DeliveryResult | None:
    """``send`` succeeds against a real peer: returns a ``DeliveryResult`` or None (returned)."""
    try:
        result = transport.send(message)
    except Exception as exc:  # the check reports whatever was raised
        raise AssertionError(f"send did not deliver: {type(exc).__name__}: {exc}") from exc
    if result is not None and not isinstance(result, DeliveryResult):
        raise AssertionError(f"send returned {result!r}; a transport returns a DeliveryResult or None")
    return result


def _expected(outcomes: Mapping[str, Outcome] | None) -> dict[str, Outcome]:
    given = dict(outcomes or {})
    unknown = sorted(set(given) - set(USUAL_OUTCOMES))
    if unknown:
        raise ValueError(f"unknown transport case(s) {', '.join(unknown)}; the cases are {', '.join(USUAL_OUTCOMES)}")
    delivered = sorted(name for name, outcome in given.items() if outcome == "delivered" and name != "garbage_body")
    if delivered:
        raise ValueError(f"only garbage_body may be declared delivered, not {', '.join(delivered)}: a transport that"
                         " takes a failure for a delivery loses the message")
    return {**USUAL_OUTCOMES, **given}


def _cases(timeout: float) -> list[_Case]:
    """The failure cases; error answers carry an HTML page, as proxies and application
    servers send them, and which a client must not mistake for its protocol's own error."""
    def page(status: int, headers: Mapping[str, str] | None = None) -> Answer:
        html = f"<html><head><title>Error {status}</title></head><body><h1>Error {status}</h1></body></html>"
        return Answer(status, html.encode(), {"Content-Type": "text/html", **(headers or {})})

    date = format_datetime(datetime.now(UTC) + timedelta(seconds=RETRY_AFTER_DATE), usegmt=True)
    garbage = b"\x00\xff\xfe<<" + random.Random(7).randbytes(500)
    delay = 2 * timeout
    return [
        *(_Case(f"http_{status}", f"{status} answer", page(status)) for status in (500, 502, 503, 429)),
        *(_Case(f"http_{status}_retry_after", f"{status} with Retry-After: {RETRY_AFTER:g}",
                page(status, {"Retry-After": f"{RETRY_AFTER:g}"}), RETRY_AFTER) for status in (503, 429)),
        _Case("http_503_retry_after_date", f"503 with Retry-After: {date}", page(503, {"Retry-After": date}),
              RETRY_AFTER_DATE, tolerance=15.0),
        *(_Case(f"http_{status}", f"{status} answer", page(status)) for status in (400, 401, 403, 404, 422)),
        _Case("garbage_body", "200 with random bytes", Answer(200, garbage)),
        _Case("dropped", "connection closed without an answer", Answer(drop=True)),
        _Case("refused", "nothing listens on the port", None),
        _Case("timeout", f"answers after {delay:g} s", Answer(200, delay=delay)),
    ]


def _run(case: _Case, expected: Outcome, build: Callable[[str], Transport], message: OutboundMessage,
         peer: RecordingPeer) -> str | None:
    """The failure of one case, or None."""
    peer.reset()
    if case.answer is not None:
        peer.otherwise = case.answer
    transport = build(peer.url if case.answer is not None else _closed_url())
    started = time.monotonic()
    result: DeliveryResult | None = None
    error: DeliveryError | None = None
    try:
        result = transport.send(message)
    except (TransientError, PermanentError) as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - the check is that none escapes: report which did
        return f"{type(exc).__name__} escaped the transport: {exc}"
    finally:
        elapsed = time.monotonic() - started
        close = getattr(transport, "close", None)
        if callable(close):
            close()
    if case.answer is not None and not peer.requests:
        return "the transport never reached the peer, so the case shows nothing (did it fail before sending?)"
    got: Outcome = "delivered" if error is None else "transient" if isinstance(error, TransientError) else "permanent"
    if got != expected:
        said = f"returned {result!r}" if error is None else f"raised {type(error).__name__}: {error}"
        return f"expected {expected}, but send {said}"
    if case.answer is not None and case.name == "timeout" and elapsed >= case.answer.delay:
        return f"send took {elapsed:.2f} s, as long as the peer's delay: the transport has no timeout of its own"
    if error is None and result is not None and not isinstance(result, DeliveryResult):
        return f"send returned {result!r}; a transport returns a DeliveryResult or None"
    if isinstance(error, TransientError) and case.retry_after is not None:
        low, high = case.retry_after - case.tolerance, case.retry_after + 1.0
        if error.retry_after is None or not low <= error.retry_after <= high:
            return (f"TransientError.retry_after is {error.retry_after!r}, expected {case.retry_after:g}"
                    f" (the peer's Retry-After was lost): {error}")
    return None


def _closed_url() -> str:
    """The URL of a port of 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


"""``RecordingPeer``: a real HTTP server on 127.0.0.1 that a transport's tests talk to.

A transport must be tested against what a peer really does on the wire: answer 503
with ``Retry-After``, answer garbage, take too long, hang up without a word. A mock of
the HTTP client would test the mock; this is a real server (uvicorn, in a thread, on a
free port), so the transport's own client code, timeouts and error translation run::

    with RecordingPeer() as peer:                       # or the ``recording_peer`` fixture
        peer.script(Answer(503, headers={"Retry-After": "7"}), Answer.json({"id": "4711"}),
                    path="/orders")
        transport = MyTransport(base_url=peer.url)
        ...
        [first, second] = peer.requests
        assert first.method == "POST" and first.json()["number"] == "SO-1"

Answers come from a script: each path has a queue of answers, used one per request in
order, then the queue for any path (``script(..., path=None)``), then ``otherwise``
(``Answer()``, an empty 200, unless set), which answers every request left. An
``Answer`` has a status, headers, a body, a ``delay`` before answering (longer than the
client's timeout, it provokes one) and ``drop`` (close the connection without
answering, after the delay).

Every request is recorded (method, path, query, headers, body, when) before it is
answered, so once the client has its answer, or gave up, the request is in
``requests``. The peer is thread-safe: a worker thread may call it while the test
scripts and reads it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import parse_qs

import uvicorn
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from hub.core.store.plugin_state import JsonValue

__all__ = ["Answer", "RecordedRequest", "RecordingPeer"]

_HOST = "127.0.0.1"


@dataclass(frozen=True)
class Answer:
    """What the peer answers one request with (see the module docstring)."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (or dropping)."""
    drop: bool = False
    """Close the connection without answering."""

    @classmethod
    def json(cls, value: JsonValue, status: int = 200, headers: Mapping[str, str] | None = None,
             delay: float = 0.0) -> Answer:
        """An answer whose body is ``value`` as JSON (``Content-Type: application/json``)."""
        return cls(status, json.dumps(value).encode(), {"Content-Type": "application/json", **(headers or {})}, delay)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the peer received it."""

    method: str
    path: str
    query: str
    """The raw query string (``a=1&b=2``); ``params`` decodes it."""
    headers: Headers
    """Case-insensitive: ``headers["content-type"]``, ``headers.getlist("x-a")``."""
    body: bytes
    at: datetime
    """When it arrived (UTC)."""

    @property
    def params(self) -> dict[str, list[str]]:
        """The query decoded: name -> values."""
        return parse_qs(self.query, keep_blank_values=True)

    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode("utf-8")

    def json(self) -> JsonValue:
        """The body parsed as JSON."""
        value: JsonValue = json.loads(self.body)
        return value


class RecordingPeer:
    """A scripted, recording HTTP server on 127.0.0.1 (see the module docstring)."""

    def __init__(self, otherwise: Answer | None = None) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._scripts: dict[str | None, deque[Answer]] = {}
        self._first_otherwise = otherwise or Answer()
        self._otherwise = self._first_otherwise
        self._stopping = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> str:
        """Listen on a free port of 127.0.0.1 (in a background thread); returns ``url``."""
        if self._server is not None:
            raise RuntimeError("the recording peer is already running")
        # IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections: without it a
        # keep-alive answer waits ~40 ms for a delayed ACK, and timing tests lie.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind((_HOST, 0))
        self._port = sock.getsockname()[1]
        self._stopping.clear()
        config = uvicorn.Config(self._app, interface="asgi3", http="h11", ws="none", lifespan="off",
                                log_level="warning", access_log=False, timeout_graceful_shutdown=1)
        server = self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                        name="recording-peer", daemon=True)
        self._thread.start()
        while not server.started:
            if not self._thread.is_alive():
                self._server = None
                raise RuntimeError(f"the recording peer failed to start on {_HOST}:{self._port}")
            self._stopping.wait(0.01)
        return self.url

    def stop(self) -> None:
        """Stop listening; requests still waiting out a ``delay`` are dropped unanswered."""
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> RecordingPeer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("the recording peer is not started")
        return f"http://{_HOST}:{self._port}"

    # -- the script and the record ---------------------------------------------------
    def script(self, *answers: Answer, path: str | None = None) -> None:
        """Queue ``answers`` for the next requests to ``path`` (any path when None), one
        answer per request, in order, after those queued before."""
        with self._lock:
            self._scripts.setdefault(path, deque()).extend(answers)

    @property
    def otherwise(self) -> Answer:
        """The answer to every request nothing is scripted for (an empty 200 unless the
        peer was made with another)."""
        with self._lock:
            return self._otherwise

    @otherwise.setter
    def otherwise(self, answer: Answer) -> None:
        with self._lock:
            self._otherwise = answer

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget the requests and the script; ``otherwise`` is again what the peer was
        made with (an empty 200 by default)."""
        with self._lock:
            self._requests.clear()
            self._scripts.clear()
            self._otherwise = self._first_otherwise

    def _take(self, request: RecordedRequest) -> Answer:
        with self._lock:
            self._requests.append(request)
            for queue in (self._scripts.get(request.path), self._scripts.get(None)):
                if queue:
                    return queue.popleft()
            return self._otherwise

    # -- the ASGI app ----------------------------------------------------------------
    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        answer = self._take(RecordedRequest(
            scope["method"], scope["path"], scope["query_string"].decode("latin-1"),
            Headers(raw=list(scope["headers"])), bytes(body), datetime.now(UTC)))
        stopped = answer.delay > 0 and not await self._sleep(answer.delay)
        if answer.drop or stopped:
            self._drop(scope.get("client"))
            while (await receive())["type"] != "http.disconnect":
                pass
            return
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items()]
        if not any(name == b"content-length" for name, _ in headers):
            headers.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body, "more_body": False})

    async def _sleep(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; False when the peer stopped meanwhile."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            if self._stopping.is_set():
                return False
            await asyncio.sleep(min(0.05, deadline - loop.time()))
        return True

    def _drop(self, client: tuple[str, int] | None) -> None:
        """Abort the connection of ``client``: closed at once, nothing answered.

        ASGI offers no way to hang up, so the peer finds the connection among the
        server's own (uvicorn's ``server_state``; the peer serves with h11) by the
        client's address.
        """
        if self._server is None:
            return
        for connection in list(self._server.server_state.connections):
            if isinstance(connection, H11Protocol) and connection.client == client:
                connection.transport.abort()

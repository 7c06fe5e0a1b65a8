"""A webhook receiver for the simulator's tests: a real HTTP server on 127.0.0.1 that
keeps every request as it came and answers with the statuses it is told to."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    shop: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int

    @property
    def topic(self) -> str | None:
        return self.headers.get("x-shopify-topic") or self.headers.get("x-wc-webhook-topic")


class HookReceiver:
    """Receives ``POST /ecommerce/{shop}/webhooks``; ``fail(n)`` answers the next n with 500."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._failures = 0
        self._lock = threading.Lock()
        self.url = ""

    def fail(self, count: int) -> None:
        """Answer the next ``count`` requests with 500."""
        with self._lock:
            self._failures = count

    def url_of(self, shop: str) -> str:
        """The webhook URL of ``shop``."""
        return f"{self.url}/ecommerce/{shop}/webhooks"

    def of(self, shop: str | None = None, topic: str | None = None) -> list[Received]:
        """The requests received (for one shop, one topic)."""
        with self._lock:
            return [r for r in self.requests if shop in (None, r.shop) and topic in (None, r.topic)]

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            status = 500 if self._failures > 0 else 200
            self._failures = max(0, self._failures - 1)
            self.requests.append(Received(request.path_params["shop"], dict(request.headers), body,
                                          time.monotonic(), status))
        return PlainTextResponse("ok" if status == 200 else "boom", status)

    @contextmanager
    def running(self) -> Iterator[HookReceiver]:
        """Serve on a free port of 127.0.0.1 while the block runs."""
        app = Starlette(routes=[Route("/ecommerce/{shop}/webhooks", self._receive, methods=["POST"])])
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                               ws="none"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        try:
            yield self
        finally:
            server.should_exit = True
            thread.join(timeout=10)

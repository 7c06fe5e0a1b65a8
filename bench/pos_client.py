"""A lean HTTP/1.1 keep-alive client on asyncio streams, for the benches' HTTP load.

The load client must cost far less than the server it measures: on a shared 2-core
machine httpx spent more CPU per request than the hub's till API does, and the bench
measured the client. This one writes each request by hand and reads the answer by its
Content-Length (the hub's server always sends one), over a pool of open connections.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


class Answer:
    """Status and body of one response."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


class LeanClient:
    """Requests to one host over at most ``size`` kept-alive connections."""

    def __init__(self, host: str, port: int, headers: dict[str, str], size: int = 64) -> None:
        self.host, self.port = host, port
        self.fixed = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(size)

    async def request(self, method: str, path: str, body: Any = None,
                      headers: dict[str, str] | None = None, content: bytes | None = None) -> Answer:
        """One request with ``body`` as JSON, or the bytes ``content`` as they are; raises
        OSError or asyncio.IncompleteReadError when the connection fails (a kept-alive
        connection the server closed while idle is replaced once)."""
        payload = content if content is not None else b"" if body is None else json.dumps(body).encode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        head = f"{method} {path} HTTP/1.1\r\n{self.fixed}{extra}Content-Length: {len(payload)}\r\n"
        if payload and content is None:
            head += "Content-Type: application/json\r\n"
        message = head.encode() + b"\r\n" + payload
        async with self.slots:
            reused = bool(self.idle)
            reader, writer = self.idle.pop() if reused else await asyncio.open_connection(self.host, self.port)
            writer.write(message)
            try:
                status_line = await reader.readline()
            except ConnectionError:
                status_line = b""
            if not status_line and reused:
                # The server closed a kept-alive connection while it sat idle (uvicorn
                # after 5 s) before reading this request: send it on a new one.
                writer.close()
                reader, writer = await asyncio.open_connection(self.host, self.port)
                writer.write(message)
                status_line = await reader.readline()
            if not status_line:
                writer.close()
                raise ConnectionResetError("the server closed the connection without an answer")
            length = 0
            keep = True
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and value.strip().lower() == "close":
                    keep = False
            content = await reader.readexactly(length)
            if keep:
                self.idle.append((reader, writer))
            else:
                writer.close()
        return Answer(int(status_line.split()[1]), content)

    async def close(self) -> None:
        """Close every idle connection."""
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()

"""Body limits per route: 413 before the body is read when it declares its size, and
as soon as it passes the limit when it does not."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from gated_routes import PASSWORD, SMALL, USER, calls, gated_hub

from hub.http import RunningServer

AUTH = (USER, PASSWORD)
DEFAULT_LIMIT = 100


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    calls.clear()
    with gated_hub(tmp_path, username=USER, password=PASSWORD, max_body_bytes=DEFAULT_LIMIT) as running:
        yield running


def _chunks(*parts: bytes) -> Iterator[bytes]:
    yield from parts


def _raw_request(server: RunningServer, head: str, body: bytes = b"") -> bytes:
    """Send a request head (and maybe the start of a body) and read the answer, without
    ever finishing the body: only a server that answers before reading it answers at all."""
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_body_at_the_limit_passes_one_byte_more_does_not(server: RunningServer) -> None:
    assert httpx.post(f"{server.url}/small", content=b"x" * SMALL, auth=AUTH).status_code == 200
    too_big = httpx.post(f"{server.url}/small", content=b"x" * (SMALL + 1), auth=AUTH)
    assert too_big.status_code == 413 and too_big.headers["connection"] == "close"
    chunked = httpx.post(f"{server.url}/small", content=_chunks(b"x" * 6, b"x" * 5), auth=AUTH)
    assert chunked.status_code == 413
    assert calls["/small"] == 1


def test_routes_without_their_own_limit_take_the_hubs_default(server: RunningServer) -> None:
    assert httpx.post(f"{server.url}/erp", content=b"x" * DEFAULT_LIMIT, auth=AUTH).status_code == 200
    assert httpx.post(f"{server.url}/erp", content=b"x" * (DEFAULT_LIMIT + 1), auth=AUTH).status_code == 413
    assert httpx.post(f"{server.url}/open", content=_chunks(b"x" * DEFAULT_LIMIT, b"x")).status_code == 413


def test_a_declared_size_over_the_limit_is_refused_before_the_body_is_sent(server: RunningServer) -> None:
    head = (f"POST /small HTTP/1.1\nHost: hub\nAuthorization: Basic c2FwOnDDpHNzd8O2cmQtczNjcmV0\n"
            f"Content-Length: {10**12}\n")
    answer = _raw_request(server, head)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"1000000000000 bytes > limit 10" in answer
    assert calls["/small"] == 0


def test_a_body_without_a_size_is_cut_off_as_soon_as_it_passes_the_limit(server: RunningServer) -> None:
    head = "POST /open HTTP/1.1\nHost: hub\nTransfer-Encoding: chunked\n"
    answer = _raw_request(server, head, b"64\r\n" + b"x" * 100 + b"\r\n" + b"1\r\nx\r\n")
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert calls["/open"] == 0


def test_a_signed_route_refuses_an_oversized_body_before_checking_it(server: RunningServer) -> None:
    answer = httpx.post(f"{server.url}/small-hook", content=b"x" * (SMALL + 1), headers={"X-Signature": "AAAA"})
    assert answer.status_code == 413 and calls["/small-hook"] == 0


def test_oversized_bodies_are_logged_with_size_and_limit(server: RunningServer,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="hub.http")
    httpx.post(f"{server.url}/small", content=b"y" * 50, auth=AUTH)
    httpx.post(f"{server.url}/small", content=_chunks(b"y" * 6, b"y" * 6), auth=AUTH)
    lines = [r.getMessage() for r in caplog.records if r.name == "hub.http"]
    assert len(lines) == 2
    assert lines[0].startswith("refused POST /small from 127.0.0.1:")
    assert lines[0].endswith(": body too large (50 bytes > limit 10)")
    assert lines[1].endswith(": body too large (12 bytes so far > limit 10)")
    assert "yyy" not in caplog.text and PASSWORD not in caplog.text

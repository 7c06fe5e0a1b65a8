"""Each route's declared authentication, enforced by the gate on a real server, and
every refusal logged without what the caller sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gated_routes import PASSWORD, USER, WEBHOOK_SECRET, calls, gated_hub

from hub.http import RunningServer

AUTH = (USER, PASSWORD)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    calls.clear()
    with gated_hub(tmp_path, username=USER, password=PASSWORD) as running:
        yield running


def _signature(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_a_public_route_asks_no_one(server: RunningServer) -> None:
    answer = httpx.post(f"{server.url}/open", content=b"hello")
    assert answer.status_code == 200
    assert answer.json() == {"body": "hello", "source": "http:127.0.0.1", "principal": None}
    assert httpx.get(f"{server.url}/health").status_code == 200


def test_a_basic_route_takes_the_hubs_credentials_only(server: RunningServer) -> None:
    assert httpx.post(f"{server.url}/erp", content=b"x").status_code == 401
    assert httpx.post(f"{server.url}/erp", content=b"x", auth=(USER, "wrong")).status_code == 401
    assert httpx.post(f"{server.url}/erp", content=b"x", headers={"Authorization": "Basic %%%"}).status_code == 401
    refused = httpx.post(f"{server.url}/erp", content=b"x", headers={"Authorization": "Bearer key-of-store-42"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == 'Basic realm="crm-hub"'
    assert calls["/erp"] == 0
    answer = httpx.post(f"{server.url}/erp", content=b"idoc", auth=AUTH)
    assert answer.status_code == 200 and answer.json()["principal"] == USER


def test_odd_credentials_are_refused_not_an_error(server: RunningServer) -> None:
    odd = base64.b64encode("sap:Grüße ☃".encode()).decode()
    latin = base64.b64encode(b"sap:\xe4\xf6").decode()
    for header in (f"Basic {odd}", f"Basic {latin}", "Basic", "basic " + base64.b64encode(b"nocolon").decode()):
        assert httpx.post(f"{server.url}/erp", content=b"x", headers={"Authorization": header}).status_code == 401
    assert calls["/erp"] == 0


def test_an_api_key_route_takes_a_known_bearer_key_and_names_its_holder(server: RunningServer) -> None:
    def post(headers: dict[str, str]) -> httpx.Response:
        return httpx.post(f"{server.url}/till", content=b"sale", headers=headers)

    assert post({}).status_code == 401
    assert post({"Authorization": "Bearer unknown"}).status_code == 401
    assert post({"Authorization": "key-of-store-42"}).status_code == 401
    assert httpx.post(f"{server.url}/till", content=b"sale", auth=AUTH).status_code == 401
    assert calls["/till"] == 0
    answer = post({"Authorization": "bearer  key-of-store-42"})
    assert answer.status_code == 200 and answer.json()["principal"] == "store 42"


def test_a_verified_route_checks_the_raw_body_before_the_handler_runs(server: RunningServer) -> None:
    body = '{"id": 1, "note": "Grüße"}'.encode()
    assert httpx.post(f"{server.url}/hook", content=body).status_code == 401
    assert httpx.post(f"{server.url}/hook", content=body,
                      headers={"X-Signature": _signature(body, "other secret")}).status_code == 401
    assert httpx.post(f"{server.url}/hook", content=body + b" ",
                      headers={"X-Signature": _signature(body)}).status_code == 401
    assert calls["/hook"] == 0
    answer = httpx.post(f"{server.url}/hook", content=body, headers={"X-Signature": _signature(body)})
    assert answer.status_code == 200 and answer.json()["body"] == body.decode()
    assert answer.json()["principal"] is None and calls["/hook"] == 1


def test_the_hubs_basic_routes_stay_open_without_credentials(tmp_path: Path) -> None:
    calls.clear()
    with gated_hub(tmp_path) as server:
        assert httpx.post(f"{server.url}/erp", content=b"x").status_code == 200
        assert httpx.post(f"{server.url}/till", content=b"x").status_code == 401
        assert httpx.post(f"{server.url}/hook", content=b"x").status_code == 401


def test_refusals_are_logged_with_address_path_and_reason_but_nothing_sent(
        server: RunningServer, caplog: pytest.LogCaptureFixture) -> None:
    body = b"secret-body-content"
    caplog.set_level(logging.INFO, logger="hub")
    httpx.post(f"{server.url}/erp", content=body, auth=(USER, "my-wrong-password"))
    httpx.post(f"{server.url}/erp", content=body)
    httpx.post(f"{server.url}/till", content=body, headers={"Authorization": "Bearer guessed-key-123"})
    httpx.post(f"{server.url}/hook", content=body, headers={"X-Signature": _signature(body, "forged")})

    refusals = [r for r in caplog.records if r.name == "hub.http" and r.levelno == logging.WARNING]
    lines = [r.getMessage() for r in refusals]
    assert len(lines) == 4, lines
    assert lines[0].startswith("refused POST /erp from 127.0.0.1:") and lines[0].endswith(": bad credentials")
    assert lines[1].endswith(": missing credentials")
    assert lines[2].startswith("refused POST /till from 127.0.0.1:") and lines[2].endswith(": bad credentials")
    assert lines[3].startswith("refused POST /hook from 127.0.0.1:") and lines[3].endswith(": bad signature")
    sent = ["my-wrong-password", PASSWORD, "guessed-key-123", _signature(body, "forged"), body.decode(),
            base64.b64encode(f"{USER}:my-wrong-password".encode()).decode()]
    assert not [s for s in sent if s in caplog.text]


def test_a_path_cannot_forge_a_line_in_the_log(server: RunningServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="hub.http")
    forged = "x%0A2026-01-01%2000:00:00%20INFO%20hub.http%20all%20fine"
    assert httpx.post(f"{server.url}/shops/{forged}", content=b"x").status_code == 401
    [line] = [r.getMessage() for r in caplog.records if r.name == "hub.http"]
    assert line.startswith(f"refused POST /shops/{forged} from 127.0.0.1:") and "\n" not in line

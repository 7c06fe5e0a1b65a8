"""The webform plugin, tested the way docs/plugins.md says: a live hub, a recording
peer, and the conformance suite."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import httpx
import pytest
from hub_webform.codec import CODEC
from hub_webform.settings import WebformSettings
from hub_webform.transport import ContactTransport

from hub.api import OutboundMessage, Partner, PermanentError
from hub.testing.conformance import check_codec, check_transport
from hub.testing.live import LiveHub
from hub.testing.peer import Answer, RecordingPeer

SECRET = "form-secret"
SIGNUP = {"id": "c-1", "first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Example.org",
          "form": "newsletter", "submitted_at": "2026-12-01T10:00:00Z"}


def _signed(body: bytes) -> dict[str, str]:
    return {"X-Webform-Signature": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}


def test_a_signed_signup_becomes_a_prospect_and_goes_back_as_a_contact(tmp_path: Path) -> None:
    with RecordingPeer() as peer, LiveHub(tmp_path, {"webform": {
            "endpoint": peer.url, "token": "t0ken", "webhook_secret": SECRET}}) as hub:
        body = json.dumps(SIGNUP).encode()
        answer = httpx.post(f"{hub.url}/webform/signups", content=body, headers=_signed(body), timeout=5)
        assert answer.status_code == 202
        assert hub.work_until(lambda: hub.count("partner") == 1, timeout=10)
        [partner] = hub.documents("partner")
        assert isinstance(partner, Partner)
        assert (partner.last_name, partner.emails, partner.roles) == ("Lovelace", ["Ada@example.org"], ["prospect"])

        hub.upsert([partner.model_copy(update={"first_name": "Augusta Ada"})])
        assert hub.work_until(lambda: len(peer.requests) == 1, timeout=10)
        [sent] = peer.requests
        assert (sent.method, sent.path) == ("PUT", f"/contacts/{partner.hub_id}")
        assert sent.headers["authorization"] == "Bearer t0ken"
        assert sent.json()["first_name"] == "Augusta Ada"


def test_an_unsigned_or_badly_signed_signup_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    with LiveHub(tmp_path, {"webform": {"webhook_secret": SECRET}}) as hub:
        body = json.dumps(SIGNUP).encode()
        for headers in ({}, {"X-Webform-Signature": "00" * 32}):
            assert httpx.post(f"{hub.url}/webform/signups", content=body, headers=headers, timeout=5).status_code == 401
        hub.work_until(lambda: False, timeout=0.3)
        assert hub.count("partner") == 0


def test_the_codec_passes_the_conformance_suite() -> None:
    check_codec(CODEC, {"signup.json": json.dumps(SIGNUP).encode()},
                malformed={"list.json": b"[1, 2]", "no-id.json": b'{"last_name": "X"}'})


def test_the_transport_passes_the_conformance_suite(tmp_path: Path) -> None:
    with RecordingPeer() as peer, LiveHub(tmp_path, {"webform": {"endpoint": peer.url}}) as hub:
        context = hub.context("webform")
        partner = Partner(kind="person", last_name="Lovelace", roles=["prospect"])
        message = OutboundMessage(1, "webform:partner:bp_1", 1, "webform", "upsert", "partner", "bp_1", 1,
                                  {"data": partner.business_data()}, "webform/contacts:bp_1:v1", 1)

        def build(url: str) -> ContactTransport:
            settings = context.settings_as(WebformSettings).model_copy(update={"endpoint": url, "timeout": 0.5})
            return ContactTransport(context.with_settings(settings))

        # The service answers a PUT with nothing the transport reads: any 2xx body is a delivery.
        check_transport(build, message, peer, timeout=0.5, outcomes={"garbage_body": "delivered"})
        peer.script(Answer(409))
        transport = build(peer.url)
        with pytest.raises(PermanentError, match="409"):
            transport.send(message)
        transport.close()

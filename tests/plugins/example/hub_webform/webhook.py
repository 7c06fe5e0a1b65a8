"""``POST /webform/signups``: the service's signed sign-up webhooks.

The signature (hex HMAC-SHA256 of the raw body, header ``X-Webform-Signature``) is
checked before anything reads the body; a signed sign-up is kept in the hub's inbox and
answered at once, and the hub posts it moments later.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from hub.api import Verify, accept_payload, verify_hmac

PATH = "/webform/signups"
SIGNATURE = "X-Webform-Signature"


def signature_check(secret: str) -> Verify:
    """The route's authentication: the body signed with ``secret``."""

    def check(raw_body: bytes, headers: Mapping[str, str]) -> bool:
        return verify_hmac(raw_body, headers.get(SIGNATURE), secret, encoding="hex")

    return Verify(check)


async def receive_signup(request: Request) -> Response:
    """Keep the sign-up and answer 202; the hub posts it from its inbox."""
    return await accept_payload(request, content_type="application/json")

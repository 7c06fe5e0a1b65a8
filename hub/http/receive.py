"""Taking a payload in: the one way an inbound route gets its request body.

``receive_payload`` reads the body within the route's limit (the gate's counted
``receive`` refuses it with 413 the moment it passes), runs the route's ``Verify``
check over the raw bytes before anything parses them, and hands back the bytes with
the name of the source they came from. The result is kept on the request, so the gate
can verify a signed route before its handler runs and the handler still gets the same
bytes. This is the place where every inbound payload passes; it is meant to grow
(e.g. to archive the payload durably before the answer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.core.errors import AuthenticationError
from hub.core.plugins.authentication import Verify
from hub.http.policy import PAYLOAD_KEY, PRINCIPAL_KEY, policy_of

if TYPE_CHECKING:
    from hub.core.plugins.context import PluginContext
    from hub.core.runtime import HubRuntime

BAD_SIGNATURE = "bad signature"


@dataclass(frozen=True)
class Payload:
    """A request body as received, and who sent it.

    ``source`` names the sending address (``http:127.0.0.1``) as the inbound archive
    records it; ``principal`` is who authenticated (the Basic-auth user, the holder of
    the API key), None on public and signature-checked routes.
    """

    raw: bytes
    source: str
    principal: str | None


def route_context(request: Request) -> PluginContext:
    """The context of the plugin whose route ``request`` came to."""
    runtime: HubRuntime = request.app.state.runtime
    return runtime.plugin_context(policy_of(request.scope).plugin)


async def accept_payload(request: Request, wrap: Callable[[Payload], bytes] | None = None,
                         content_type: str | None = None, status_code: int = 202) -> Response:
    """Take the request's payload in for a peer that must be answered at once: verify it
    (``receive_payload``), keep it durably in the inbox (``wrap`` may first put it in an
    envelope with what the headers say), and answer; the hub posts it moments later."""
    payload = await receive_payload(request)
    context = route_context(request)
    kept = wrap(payload) if wrap is not None else payload.raw
    kind = content_type or request.headers.get("content-type", "application/octet-stream")
    place = await run_in_threadpool(context.accept, kept, payload.source, kind)
    return JSONResponse({"accepted": place}, status_code=status_code)


async def receive_payload(request: Request) -> Payload:
    """The request's body, within the route's limit and verified; raises BodyTooLarge
    or AuthenticationError, which the gate answers with 413 or 401."""
    kept = request.scope.get(PAYLOAD_KEY)
    if isinstance(kept, Payload):
        return kept
    auth = policy_of(request.scope).auth
    raw = await request.body()  # bounded: the gate counts what its receive hands out
    if isinstance(auth, Verify) and not await run_in_threadpool(auth.check, raw, request.headers):
        raise AuthenticationError(BAD_SIGNATURE)
    client = request.client.host if request.client else ""
    payload = Payload(raw, f"http:{client}", request.scope.get(PRINCIPAL_KEY))
    request.scope[PAYLOAD_KEY] = payload
    return payload

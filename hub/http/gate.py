"""The gate in front of every route: its declared authentication and its body limit,
checked before the handler runs and before memory is spent on the body.

Order: credentials in headers (Basic, API key) first, so a stranger learns nothing
about the route; then a declared Content-Length over the limit; then, for a route that
verifies its body (a signed webhook), the body is read within the limit and checked
before the handler is called. Whatever is refused is answered 401 or 413 with
``Connection: close`` (a refused peer's unread body is not worth reading) and logged at
WARNING with address, method, path and reason, never with what the peer sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.core.errors import AuthenticationError, RequestRefused
from hub.core.plugins.authentication import ApiKey, Basic, Public, Verify
from hub.http.credentials import BAD, basic_user, presented_key
from hub.http.limits import bounded, check_declared_length, replay
from hub.http.policy import POLICY_KEY, PRINCIPAL_KEY, RoutePolicy
from hub.http.receive import receive_payload

log = logging.getLogger("hub.http")

REALM = 'realm="crm-hub"'


RefusalAnswer = Callable[[RequestRefused, Scope], Response]
"""How a route answers what the gate refuses, when not in plain text (the REST API's problem+json)."""


class RouteGate:
    """ASGI app that lets a request through to ``handler`` only as ``policy`` allows."""

    def __init__(self, handler: ASGIApp, policy: RoutePolicy, answer: RefusalAnswer | None = None) -> None:
        self.handler = handler
        self.policy = policy
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.handler(scope, receive, send)
            return
        scope[POLICY_KEY] = self.policy
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            headers = Headers(scope=scope)
            scope[PRINCIPAL_KEY] = await self._authenticate(headers)
            check_declared_length(headers, self.policy.max_body_bytes)
            limited = bounded(receive, self.policy.max_body_bytes)
            if isinstance(self.policy.auth, Verify):
                payload = await receive_payload(Request(scope, limited))
                limited = replay(payload.raw, receive)
            await self.handler(scope, limited, watched_send)
        except RequestRefused as refusal:
            if started:
                raise
            await self._refuse(scope, receive, send, refusal)
        except ClientDisconnect:
            if started:
                raise
            log.info("%s %s from %s: the client went away while sending", scope["method"], _path(scope),
                     _client(scope))

    async def _authenticate(self, headers: Headers) -> str | None:
        """Who the caller is by its headers; None where the route asks no one or checks the body."""
        auth = self.policy.auth
        if isinstance(auth, Public | Verify):
            return None
        if isinstance(auth, Basic):
            if self.policy.basic is None:
                return None
            return basic_user(headers.get("authorization"), self.policy.basic)
        if isinstance(auth, ApiKey):
            holder = await run_in_threadpool(auth.check, presented_key(headers.get(auth.header), auth.scheme))
            if holder is None:
                raise AuthenticationError(BAD)
            return holder
        raise TypeError(f"unknown authentication {auth!r}")

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, refusal: RequestRefused) -> None:
        log.warning("refused %s %s from %s: %s", scope["method"], _path(scope), _client(scope), refusal.reason)
        if self.answer is not None:
            await self.answer(refusal, scope)(scope, receive, send)
            return
        headers = {"Connection": "close"}
        if isinstance(refusal, AuthenticationError):
            challenge = _challenge(self.policy)
            if challenge:
                headers["WWW-Authenticate"] = challenge
            text = "authentication required"
        else:
            text = refusal.reason
        await PlainTextResponse(text, status_code=refusal.status, headers=headers)(scope, receive, send)


def _challenge(policy: RoutePolicy) -> str | None:
    if isinstance(policy.auth, Basic):
        return f"Basic {REALM}"
    if isinstance(policy.auth, ApiKey) and policy.auth.scheme:
        return f"{policy.auth.scheme} {REALM}"
    return None


def _path(scope: Scope) -> str:
    """The path as sent, still percent-encoded: a decoded one could carry a line break
    into the log and forge a line there. The query string is left out (keys travel in it)."""
    raw = scope.get("raw_path")
    return raw.decode("latin-1") if isinstance(raw, bytes) else repr(scope["path"])


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "an unknown address"

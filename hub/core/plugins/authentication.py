"""How an HTTP route authenticates its callers: declared by the route, enforced by the server.

The ERP sends Basic credentials, a web shop signs each webhook's body with a shared
secret, a till sends its store's API key, and a load balancer asks ``/health`` with
nothing at all. One server-wide rule with a list of exempt paths cannot tell them
apart, and a path forgotten on the list is silently open or shut. So every
``RouteSpec`` names its own check, one of:

- ``PUBLIC``: anyone may call (health, readiness).
- ``BASIC`` (the default): the hub's Basic auth, ``[http] username``/``password`` (the
  ERP's port, ``/metrics``). A hub without credentials leaves these routes open, and
  says so loudly when it starts.
- ``ApiKey(check)``: a key in a header, ``Authorization: Bearer KEY`` by default.
- ``Verify(check)``: a check over the raw body and the headers, e.g. a webhook's HMAC
  (``hub.core.signatures.verify_hmac``), run before anything parses the body.

The checks here are declarations only; ``hub.http`` applies them before the handler runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Public:
    """No authentication: anyone who reaches the server may call the route."""


@dataclass(frozen=True)
class Basic:
    """The hub's own Basic auth (``[http] username``/``password``); open when none is set."""


@dataclass(frozen=True)
class ApiKey:
    """A key the caller sends in a header.

    ``check(key)`` returns the name of whom the key belongs to (a store, an API client),
    which the handler finds as ``Payload.principal``, or None for an unknown key. It runs
    in a worker thread, so it may look the key up in the database. ``header`` and
    ``scheme`` say where the key is: ``Authorization: Bearer KEY`` by default,
    ``ApiKey(check, header="X-Api-Key", scheme=None)`` for a bare key.
    """

    check: Callable[[str], str | None]
    header: str = "Authorization"
    scheme: str | None = "Bearer"


@dataclass(frozen=True)
class Verify:
    """A check over the request's raw body and headers before the handler sees either.

    ``check(raw_body, headers)`` returns True for a genuine request and False for a bad
    signature; it may raise ``hub.core.errors.AuthenticationError`` with another reason
    (e.g. "no X-Shopify-Hmac-Sha256 header"). ``headers`` are looked up
    case-insensitively. The body is read within the route's size limit first, and the
    check runs in a worker thread.
    """

    check: Callable[[bytes, Mapping[str, str]], bool]


Authentication = Public | Basic | ApiKey | Verify
"""What a ``RouteSpec`` declares as its ``auth``."""

PUBLIC = Public()
BASIC = Basic()

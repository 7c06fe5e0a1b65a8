"""What the server enforces for one route, and what a request carries past the gate.

A route's declared authentication and body limit are resolved against the ``[http]``
settings once, when the app is built; the gate (``hub.http.gate``) puts the result in
the request's ASGI scope, where ``receive_payload`` finds it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from hub.core.plugins.authentication import Authentication

POLICY_KEY = "hub.route_policy"
PRINCIPAL_KEY = "hub.principal"
PAYLOAD_KEY = "hub.payload"


@dataclass(frozen=True)
class BasicCredentials:
    """The hub's Basic-auth user and password (``[http] username``/``password``)."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class RoutePolicy:
    """One route's authentication and body limit; ``basic`` None leaves Basic routes open.
    ``plugin`` is the plugin that registered the route (``hub`` for the hub's own)."""

    auth: Authentication
    max_body_bytes: int
    basic: BasicCredentials | None
    plugin: str = "hub"


def policy_of(scope: MutableMapping[str, Any]) -> RoutePolicy:
    """The policy the gate put in ``scope``; a handler mounted without the gate is a bug."""
    policy = scope.get(POLICY_KEY)
    if not isinstance(policy, RoutePolicy):
        raise RuntimeError(f"{scope.get('path')}: not served through hub.http's route gate")
    return policy

"""The hub's one HTTP server (``serve``) and what route handlers use (``receive_payload``).

Modules: ``server`` builds and runs the app; ``gate`` enforces each route's declared
authentication and body limit; ``receive`` hands a handler its body; ``credentials``,
``limits`` and ``policy`` are the gate's parts.
"""

from __future__ import annotations

from hub.http.receive import Payload, receive_payload
from hub.http.server import RunningServer, build_app, serve

__all__ = ["Payload", "RunningServer", "build_app", "receive_payload", "serve"]

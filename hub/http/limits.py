"""The body limit, applied before memory is spent on the body.

A declared ``Content-Length`` over the limit is refused before a byte is read. A body
without one (chunked) is counted as it arrives, and refused the moment it passes the
limit, so at most the limit plus one chunk is ever held. The count wraps the ASGI
``receive`` itself, so it also bounds a handler that reads the body some other way.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import Message, Receive

from hub.core.errors import BodyTooLarge


def check_declared_length(headers: Headers, limit: int) -> None:
    """Refuse at once when the declared Content-Length is over ``limit``."""
    try:
        declared = int(headers.get("content-length", ""))
    except ValueError:  # none, or malformed (the HTTP parser refuses those before the app runs)
        return
    if declared > limit:
        raise BodyTooLarge(declared, limit)


def bounded(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises BodyTooLarge as soon as the body passes ``limit`` bytes."""
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(received, limit, so_far=True)
        return message

    return receive_within_limit


def replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` that hands out an already-read ``body`` once, then defers to ``receive``."""
    pending = True

    async def receive_again() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again

"""Reading the credentials a caller put in its headers: Basic auth and API keys.

Each function returns who the caller is or raises ``AuthenticationError`` whose reason
says what was wrong without repeating what was sent. Comparisons are constant-time and
made on bytes (``secrets.compare_digest`` refuses non-ASCII strings with a TypeError,
which would turn a stranger's odd password into a server error).
"""

from __future__ import annotations

import base64
import binascii
import secrets

from hub.core.errors import AuthenticationError
from hub.http.policy import BasicCredentials

MISSING = "missing credentials"
BAD = "bad credentials"


def basic_user(authorization: str | None, expected: BasicCredentials) -> str:
    """The user of an ``Authorization: Basic ...`` header that carries ``expected``."""
    scheme, _, encoded = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic":
        raise AuthenticationError(MISSING)
    try:
        user, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationError(BAD) from None
    user_ok = secrets.compare_digest(user.encode(), expected.username.encode())
    password_ok = secrets.compare_digest(password.encode(), expected.password.encode())
    if not (user_ok and password_ok):
        raise AuthenticationError(BAD)
    return user


def presented_key(value: str | None, scheme: str | None) -> str:
    """The key in a header value, e.g. ``Bearer KEY`` (``scheme`` None: the bare value)."""
    value = (value or "").strip()
    if scheme is not None:
        given, _, value = value.partition(" ")
        if given.lower() != scheme.lower():
            raise AuthenticationError(MISSING)
        value = value.strip()
    if not value:
        raise AuthenticationError(MISSING)
    return value

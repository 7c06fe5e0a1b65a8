"""Checking the HMAC signature a peer sends with a payload (web-shop webhooks and the like).

Shops sign the raw request body with a shared secret and send the digest in a header,
base64 (Shopify, WooCommerce) or hex (GitHub-style). The check must run over the bytes
exactly as received, before anything parses them, and must not tell an attacker how
close a guess came: the comparison is constant-time. A signature that is not even
well-formed is just a wrong signature, so the answer is always a plain True or False
and a route can refuse without an error path of its own.
"""

from __future__ import annotations

import base64
import hmac
from typing import Literal


def verify_hmac(raw_body: bytes, signature: str | None, secret: str | bytes, digest: str = "sha256",
                encoding: Literal["base64", "hex"] = "base64") -> bool:
    """Whether ``signature`` is the HMAC of ``raw_body`` under ``secret``.

    ``signature`` is the header value as sent (surrounding whitespace is ignored; None,
    as from a missing header, is never valid); ``digest`` is a hashlib name. An
    unknown digest or encoding raises ValueError: that is the caller's mistake, not
    the peer's. A malformed signature (bad base64 or hex, non-ASCII, wrong length) gives
    False, never an exception.
    """
    if encoding not in ("base64", "hex"):
        raise ValueError(f"unknown signature encoding {encoding!r}")
    key = secret.encode() if isinstance(secret, str) else secret
    expected = hmac.new(key, raw_body, digest).digest()
    if signature is None:
        return False
    try:
        given = _decode(signature.strip(), encoding)
    except ValueError:  # binascii.Error is one, and so is a non-ASCII character
        return False
    return hmac.compare_digest(expected, given)


def _decode(signature: str, encoding: Literal["base64", "hex"]) -> bytes:
    if encoding == "hex":
        return bytes.fromhex(signature)
    return base64.b64decode(signature, validate=True)

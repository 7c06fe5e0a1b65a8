"""verify_hmac against published vectors and against what peers really send wrong."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from hub.core.signatures import verify_hmac

# GitHub's documented webhook example ("Validating webhook deliveries").
GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = b"Hello, World!"
GITHUB_HEX = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

# RFC 4231, test case 2 (HMAC-SHA-256), in base64 as Shopify and WooCommerce send it.
RFC_KEY = b"Jefe"
RFC_DATA = b"what do ya want for nothing?"
RFC_BASE64 = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="

# A Shopify-style webhook: the raw JSON body as sent, base64 of HMAC-SHA256 with the app secret.
SHOP_SECRET = "hush"
SHOP_BODY = '{"id":820982911946154508,"email":"jon@example.com","note":"Grüße"}'.encode()
SHOP_SIGNATURE = base64.b64encode(hmac.new(SHOP_SECRET.encode(), SHOP_BODY, hashlib.sha256).digest()).decode()


def test_published_vectors_verify() -> None:
    assert verify_hmac(GITHUB_BODY, GITHUB_HEX, GITHUB_SECRET, encoding="hex")
    assert verify_hmac(GITHUB_BODY, GITHUB_HEX.upper(), GITHUB_SECRET.encode(), encoding="hex")
    assert verify_hmac(RFC_DATA, RFC_BASE64, RFC_KEY)
    assert verify_hmac(SHOP_BODY, SHOP_SIGNATURE, SHOP_SECRET)


def test_surrounding_whitespace_is_ignored() -> None:
    assert verify_hmac(RFC_DATA, f"  {RFC_BASE64}\r\n", RFC_KEY)
    assert verify_hmac(GITHUB_BODY, f"\t{GITHUB_HEX} ", GITHUB_SECRET, encoding="hex")


def test_the_other_encoding_does_not_pass() -> None:
    assert not verify_hmac(GITHUB_BODY, GITHUB_HEX, GITHUB_SECRET)
    assert not verify_hmac(RFC_DATA, RFC_BASE64, RFC_KEY, encoding="hex")


def test_another_digest_is_chosen_by_name() -> None:
    sha1 = hmac.new(RFC_KEY, RFC_DATA, hashlib.sha1).hexdigest()
    assert verify_hmac(RFC_DATA, sha1, RFC_KEY, digest="sha1", encoding="hex")
    assert not verify_hmac(RFC_DATA, sha1, RFC_KEY, encoding="hex")


@pytest.mark.parametrize("body, signature, secret", [
    (SHOP_BODY, SHOP_SIGNATURE, "wrong secret"),
    (SHOP_BODY + b" ", SHOP_SIGNATURE, SHOP_SECRET),
    (SHOP_BODY, SHOP_SIGNATURE[:-4], SHOP_SECRET),
    (SHOP_BODY, SHOP_SIGNATURE[:-1], SHOP_SECRET),
    (SHOP_BODY, SHOP_SIGNATURE + "AAAA", SHOP_SECRET),
    (SHOP_BODY, "", SHOP_SECRET),
    (SHOP_BODY, None, SHOP_SECRET),
    (SHOP_BODY, "Grüße, kein Base64 ☃", SHOP_SECRET),
    (SHOP_BODY, "\x00\xff", SHOP_SECRET),
    (SHOP_BODY, "sha256=" + SHOP_SIGNATURE, SHOP_SECRET),
], ids=["wrong secret", "body changed", "truncated", "bad padding", "too long", "empty", "missing",
        "non-ASCII", "control characters", "prefixed"])
def test_a_wrong_or_malformed_signature_is_false_not_an_error(body: bytes, signature: str | None,
                                                               secret: str) -> None:
    assert verify_hmac(body, signature, secret) is False
    assert verify_hmac(body, signature, secret, encoding="hex") is False


def test_a_wrong_digest_or_encoding_is_the_callers_mistake() -> None:
    with pytest.raises(ValueError):
        verify_hmac(RFC_DATA, RFC_BASE64, RFC_KEY, digest="no-such-digest")
    with pytest.raises(ValueError):
        verify_hmac(RFC_DATA, RFC_BASE64, RFC_KEY, encoding="b64")  # type: ignore[arg-type]

"""Shop payloads: the envelopes the hub archives, their signatures, and their parsing.

What the webhook route and the reconcile job call: ``verify_webhook`` and
``is_woocommerce_ping`` before anything is stored, ``webhook_envelope`` and
``poll_envelope`` to build what is archived; the hub then parses it with the codec
(``parse_envelope``, registered by ``codec_spec``).
"""

from __future__ import annotations

from plugins.ecommerce.codecs.envelope import POLL_ENVELOPE, WEBHOOK_ENVELOPE, poll_envelope, webhook_envelope
from plugins.ecommerce.codecs.parse import parse_envelope
from plugins.ecommerce.codecs.signatures import is_woocommerce_ping, verify_webhook

__all__ = ["POLL_ENVELOPE", "WEBHOOK_ENVELOPE", "is_woocommerce_ping", "parse_envelope", "poll_envelope",
           "verify_webhook", "webhook_envelope"]

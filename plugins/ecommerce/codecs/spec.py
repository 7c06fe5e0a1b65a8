"""The codec as the hub registers it: envelopes in, raw documents out (inbound only)."""

from __future__ import annotations

import re

from hub.api import CodecSpec
from plugins.ecommerce.codecs.parse import parse_envelope
from plugins.ecommerce.codecs.topics import message_types

_MARKER = re.compile(rb'"envelope"\s*:\s*"crm-hub/shop-(?:webhook|poll)/1"')


def accepts(head: bytes, source_name: str) -> bool:
    """Whether the payload's first bytes carry a shop envelope's marker."""
    return _MARKER.search(head) is not None


def codec_spec() -> CodecSpec:
    """The ``ecommerce/envelope`` codec."""
    return CodecSpec(
        name="envelope", parse=parse_envelope, accepts=accepts, document_kinds=message_types(),
        media_types=("application/json",),
        description="Shop webhooks and reconcile poll pages as archived (crm-hub/shop-webhook/1, shop-poll/1)")

"""The codec as the hub registers it: envelopes in, raw documents out (inbound only)."""

from __future__ import annotations

import re

from hub.api import CodecSpec, RawDocument
from plugins.ecommerce.codecs.parse import parse_envelope
from plugins.ecommerce.codecs.topics import message_types
from plugins.ecommerce.settings import EcommerceSettings

_MARKER = re.compile(rb'"envelope"\s*:\s*"crm-hub/shop-(?:webhook|poll)/1"')


def accepts(head: bytes, source_name: str) -> bool:
    """Whether the payload's first bytes carry a shop envelope's marker."""
    return _MARKER.search(head) is not None


def codec_spec(settings: EcommerceSettings | None = None) -> CodecSpec:
    """The ``ecommerce/envelope`` codec; each shop's ``sku_system`` from ``settings``
    goes into its documents' control (the order tables look products up by it)."""
    sku_systems = {name: shop.sku_system for name, shop in (settings.shops if settings else {}).items()}

    def parse(payload: bytes, source_name: str = "") -> list[RawDocument]:
        return parse_envelope(payload, source_name, sku_systems)

    return CodecSpec(
        name="envelope", parse=parse, accepts=accepts, document_kinds=message_types(),
        media_types=("application/json",),
        description="Shop webhooks and reconcile poll pages as archived (crm-hub/shop-webhook/1, shop-poll/1)")

"""The service's JSON: one sign-up per webhook body, ``{"id": ..., "email": ..., ...}``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from decimal import Decimal

from hub.api import CodecSpec, DocumentError, RawDocument

SYSTEM = "webform"


def parse(payload: bytes, source_name: str) -> Iterator[RawDocument]:
    """The sign-up in ``payload``; DocumentError names what is wrong with it."""
    try:
        body = json.loads(payload, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(f"sign-up in {source_name}", "(payload)", f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise DocumentError(f"sign-up in {source_name}", "(payload)", "not a JSON object")
    contact_id = body.get("id")
    if not isinstance(contact_id, str) or not contact_id:
        raise DocumentError(f"sign-up in {source_name}", "id", "missing or not a string")
    yield RawDocument(SYSTEM, "contact", contact_id, "json", body, source=source_name, payload=payload,
                      dedupe_key=f"contact:{contact_id}:{body.get('submitted_at', '')}")


def render(documents: Iterable[RawDocument]) -> bytes:
    """One contact as the service's REST API takes it."""
    [document] = list(documents)
    return json.dumps(document.body, default=str).encode()


def accepts(head: bytes, source_name: str) -> bool:
    """A JSON object (the service sends nothing else)."""
    return head.lstrip().startswith(b"{")


CODEC = CodecSpec("json", parse, render, accepts, document_kinds=("contact",),
                  media_types=("application/json",), description="Sign-ups and contacts as JSON")

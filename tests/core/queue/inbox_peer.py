"""An inbound plugin for tests that post the inbox in another process: payloads
``PING:1,2`` are read as one document per number, and each posted document appends its
number to the file ``[plugins.inboxpeer] path``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict

from hub import hookimpl
from hub.api import CodecSpec, DocumentError, InboundSpec, PluginContext, PluginTransaction, RawDocument

SYSTEM = "inboxpeer"


class InboxPeerSettings(BaseModel):
    """``[plugins.inboxpeer]``: the file each posted number is appended to."""

    model_config = ConfigDict(extra="forbid")

    path: str


def _parse(payload: bytes, source: str) -> Iterator[RawDocument]:
    if not payload.startswith(b"PING:"):
        raise DocumentError(source, "(payload)", "not a ping")
    for number in payload[5:].decode().split(","):
        yield RawDocument(SYSTEM, "PING", number, "json", {"n": number}, source=source,
                          payload=f"PING:{number}".encode(), dedupe_key=f"PING:{number}")


def _handler(context: PluginContext) -> Any:
    path = context.settings_as(InboxPeerSettings).path

    def handle(transaction: PluginTransaction, raw: RawDocument) -> str:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{raw.document_id}\n".encode())
        finally:
            os.close(fd)
        return "pong"

    return handle


@hookimpl
def hub_register_settings(registry: Any) -> None:
    registry.set_settings(InboxPeerSettings)


@hookimpl
def hub_register_codecs(registry: Any) -> None:
    registry.add_codec(CodecSpec("pings", _parse, accepts=lambda head, name: True))


@hookimpl
def hub_register_inbound(registry: Any) -> None:
    registry.add_inbound(InboundSpec({"PING": _handler}))


def read_posted(path: str) -> list[str]:
    """The numbers posted so far, in order."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]

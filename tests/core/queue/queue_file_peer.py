"""A transport plugin for tests that run workers in other processes: it appends
``KEY QUEUE SEQ`` of each message it is sent to the file ``[plugins.filepeer] path``
(flushed at once, so a SIGKILL loses nothing already sent) after ``delay`` seconds."""

from __future__ import annotations

import os
import time
from typing import Any

from pydantic import BaseModel, ConfigDict

from hub import hookimpl
from hub.api import OutboundMessage, PluginContext, TransportSpec


class FilePeerSettings(BaseModel):
    """``[plugins.filepeer]``: the log file and the pause before each write."""

    model_config = ConfigDict(extra="forbid")

    path: str
    delay: float = 0.0


class FilePeer:
    def __init__(self, path: str, delay: float) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._delay = delay

    def send(self, message: OutboundMessage) -> None:
        if self._delay:
            time.sleep(self._delay)
        os.write(self._fd, f"{message.idempotency_key} {message.queue} {message.seq}\n".encode())

    def close(self) -> None:
        os.close(self._fd)


def _factory(context: PluginContext) -> FilePeer:
    settings = context.settings_as(FilePeerSettings)
    return FilePeer(settings.path, settings.delay)


@hookimpl
def hub_register_settings(registry: Any) -> None:
    registry.set_settings(FilePeerSettings)


@hookimpl
def hub_register_transports(registry: Any) -> None:
    registry.add_transport(TransportSpec("out", _factory, ("partner",)))


def read_log(path: str) -> list[tuple[str, str, int]]:
    """(key, queue, seq) of every send, in the order they happened."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [(k, q, int(s)) for k, q, s in (line.split() for line in handle if line.strip())]

"""The hub's log lines: text for people, or one JSON object per line for a log collector.

``log_format = "json"`` (or ``HUB_LOG_FORMAT=json``) writes each record as a JSON object
with ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``process`` and, when
the record is about a queue message, ``hub_id``, ``queue`` and ``message_id``; an
exception comes as ``exception`` text. Hand-written on the standard library's
``logging`` rather than a library: it is one small formatter.

Lines about a message get its ids without each call site passing them: the worker
runs a delivery inside ``about_message(...)``, and a filter on the handler copies the
ids into every record logged meanwhile in that thread, the transport's own included.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]
MESSAGE_FIELDS = ("hub_id", "queue", "message_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

_message: ContextVar[dict[str, Any] | None] = ContextVar("hub_log_message", default=None)


@contextmanager
def about_message(hub_id: str, queue: str, message_id: int) -> Iterator[None]:
    """Within the block, every log record of this thread carries the message's ids."""
    token = _message.set({"hub_id": hub_id, "queue": queue, "message_id": message_id})
    try:
        yield
    finally:
        _message.reset(token)


def message_fields(hub_id: str, queue: str, message_id: int) -> dict[str, Any]:
    """``extra=`` for a log call about a message outside ``about_message``."""
    return {"hub_id": hub_id, "queue": queue, "message_id": message_id}


class MessageContext(logging.Filter):
    """Copies the ids of the message being delivered (``about_message``) into each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = _message.get()
        if ids:
            for key, value in ids.items():
                if not hasattr(record, key):
                    setattr(record, key, value)
        return True


def _ids(record: logging.LogRecord) -> dict[str, Any]:
    return {key: getattr(record, key) for key in MESSAGE_FIELDS if getattr(record, key, None) is not None}


class TextFormatter(logging.Formatter):
    """``time LEVEL logger message``, then ``[hub_id=... queue=... message_id=...]`` for a message."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = _ids(record)
        if not ids:
            return line
        head, sep, tail = line.partition("\n")  # the ids belong to the line, not under a traceback
        return f"{head} [{' '.join(f'{key}={value}' for key, value in ids.items())}]{sep}{tail}"


class JsonFormatter(logging.Formatter):
    """One JSON object per record (see the module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
            **_ids(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _HubHandler(logging.StreamHandler):
    """The handler ``configure_logging`` installs (and replaces when called again)."""


def configure_logging(log_format: LogFormat = "text", level: int = logging.INFO) -> None:
    """Log to stderr at ``level`` in ``log_format``, with message ids on lines about a message."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _HubHandler)]:
        root.removeHandler(handler)
    handler = _HubHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(MessageContext())
    root.addHandler(handler)
    root.setLevel(level)

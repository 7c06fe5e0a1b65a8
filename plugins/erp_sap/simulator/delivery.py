"""Where the simulator sends its outbound IDocs: a folder or an HTTP port.

A folder target writes each IDoc-XML document into ``<dir>/tmp/`` and renames it into
``<dir>/in/``, so a file poller on ``in/`` never sees a half-written file. An HTTP
target POSTs the document (``application/xml``) with optional basic auth, as SAP's
XML-HTTP port does; anything but a 2xx answer is an error. A receiver that cannot be
reached or answers 429 or 5xx is tried again with growing pauses for ``retry_seconds``,
as SAP resends an IDoc its port could not pass on (tRFC, transaction SM58): a hub that
is restarting misses no confirmation or delivery.
"""

from __future__ import annotations

import functools
import os
import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import SecretStr
from tenacity import Retrying, retry_if_exception, stop_after_delay, stop_any, stop_when_event_set, wait_exponential

FOLLOWUP_RETRY_SECONDS = 120.0
"""How long an HTTP follow-up the receiver did not take is tried again, by default."""


@functools.cache
def _tls() -> ssl.SSLContext:
    """The TLS settings of every follow-up post, made once: httpx makes a new one for each
    client, loading the certificate bundle each time (about 20 ms of CPU), and the
    simulator sends several follow-ups for every order."""
    return httpx.create_ssl_context()


class DeliveryFailed(Exception):
    """An outbound IDoc could not be handed to its target."""

    def __init__(self, message: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class FollowupTarget:
    """A folder (``folder`` set) or an HTTP URL (``url`` set) that receives IDocs."""

    folder: Path | None = None
    url: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    timeout: float = 10.0
    retry_seconds: float = FOLLOWUP_RETRY_SECONDS

    @classmethod
    def parse(cls, spec: str | FollowupTarget, username: str | None = None,
              password: SecretStr | None = None) -> FollowupTarget:
        """``file:/path`` (or a plain path) -> folder target; ``http(s)://...`` -> HTTP target."""
        if isinstance(spec, FollowupTarget):
            return spec
        if spec.startswith(("http://", "https://")):
            return cls(url=spec, username=username, password=password)
        path = spec[len("file:"):] if spec.startswith("file:") else spec
        if not path:
            raise ValueError(f"follow-up target {spec!r} names no folder")
        return cls(folder=Path(path))

    def describe(self) -> str:
        """The target for messages and logs, never with credentials."""
        return f"file:{self.folder}" if self.folder is not None else str(self.url)

    def deliver(self, name: str, payload: bytes, stopping: threading.Event | None = None) -> str:
        """Hand over one document; returns the written path or the URL posted to. An HTTP
        receiver that is down or busy is tried again until ``retry_seconds`` have passed or
        ``stopping`` is set."""
        if self.folder is not None:
            return str(write_atomically(self.folder, name, payload))
        stopping = stopping or threading.Event()

        def pause(seconds: float) -> None:
            stopping.wait(seconds)

        retrying = Retrying(retry=retry_if_exception(lambda exc: isinstance(exc, DeliveryFailed) and exc.retryable),
                            stop=stop_any(stop_after_delay(self.retry_seconds), stop_when_event_set(stopping)),
                            wait=wait_exponential(multiplier=0.25, max=5.0), sleep=pause, reraise=True)
        return retrying(self._post, name, payload)

    def _post(self, name: str, payload: bytes) -> str:
        assert self.url is not None
        auth = None
        if self.username is not None:
            secret = self.password.get_secret_value() if self.password else ""
            auth = httpx.BasicAuth(self.username, secret)
        try:
            response = httpx.post(self.url, content=payload, auth=auth, timeout=self.timeout,
                                  headers={"Content-Type": "application/xml; charset=utf-8"}, verify=_tls())
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{name}: POST to {self.url} failed: {type(exc).__name__}: {exc}",
                                 retryable=True) from exc
        if not response.is_success:
            raise DeliveryFailed(f"{name}: POST to {self.url} answered HTTP {response.status_code}",
                                 retryable=response.status_code == 429 or response.status_code >= 500)
        return self.url


def write_atomically(folder: Path, name: str, payload: bytes) -> Path:
    """Write ``payload`` as ``<folder>/in/<name>`` via a temp file in ``<folder>/tmp/``."""
    incoming = folder / "in"
    staging = folder / "tmp"
    incoming.mkdir(parents=True, exist_ok=True)
    staging.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=staging, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        final = incoming / name
        os.replace(tmp, final)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return final

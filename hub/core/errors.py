"""One exception hierarchy for the whole hub, sorted by what the runtime should do.

- ``ConfigError``: the hub cannot start or run a command until a person fixes
  configuration; carries *every* problem found, not just the first.
- ``MappingError``: a mapping table is wrong; names file, line and field.
- ``DocumentError``: one inbound or canonical document is invalid; names the
  document, the field path and the reason. Nothing of it is stored.
- ``PermanentError``: delivering a message can never succeed as it is; the queue
  blocks and an administrator decides.
- ``TransientError``: delivering may succeed later; the queue retries, waiting at
  least ``retry_after`` seconds when the peer said so.
- ``StaleUpdateError``: an update was based on an older version than the stored one.
- ``NotFoundError``: an id given by a user or a peer does not exist.
- ``RequestRefused``: the HTTP server turns a request away before its handler acts on
  it: ``AuthenticationError`` (401) or ``BodyTooLarge`` (413). The reason is logged.

Plugins translate foreign exceptions (zeep, HTTP, XML) into these at their boundary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class HubError(Exception):
    """Root of every error the hub raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One configuration problem: where it is and what is wrong."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ConfigError(HubError):
    """Configuration is wrong; lists every problem found at once."""

    def __init__(self, problems: Iterable[Problem | str]) -> None:
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem("", p) for p in problems
        ]
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class MappingProblem:
    """One mistake in a mapping table, located by file, line and field."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.message}"


class MappingError(HubError):
    """One or more mapping tables are broken; the hub refuses to use them."""

    def __init__(self, problems: Sequence[MappingProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DocumentError(HubError):
    """A document is invalid: names the document, the field path and the reason."""

    def __init__(self, document: str, field: str, reason: str) -> None:
        self.document = document
        self.field = field
        self.reason = reason
        super().__init__(f"{document}: field {field!r}: {reason}")


class UnresolvedReferenceError(DocumentError):
    """A document names an object the hub does not know yet (a required key-map lookup
    found nothing): ``missing`` is that key, (system, object type, external id). The
    inbound pipeline keeps such a document waiting and posts it when the object arrives."""

    def __init__(self, document: str, field: str, reason: str, missing: tuple[str, str, str]) -> None:
        super().__init__(document, field, reason)
        self.missing = missing


class DeliveryError(HubError):
    """Base of the errors a transport raises while delivering a message."""


class PermanentError(DeliveryError):
    """Retrying cannot help: block the queue and show the administrator."""


class TransientError(DeliveryError):
    """Retrying may help; ``retry_after`` (seconds) is the peer's own advice, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StaleUpdateError(HubError):
    """An update was based on a version older than the one stored; nothing was written."""

    def __init__(self, hub_id: str, expected: int, actual: int) -> None:
        self.hub_id = hub_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{hub_id}: update based on version {expected}, but version {actual} is stored;"
            " reload and apply the change again"
        )


class NotFoundError(HubError):
    """Something asked for by id does not exist."""


class RequestRefused(HubError):
    """The HTTP server refuses a request with ``status``; ``reason`` goes to the log.

    The reason names what was wrong, never the credential, signature or body sent.
    """

    status = 400

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class AuthenticationError(RequestRefused):
    """The caller is not who the route accepts: missing or bad credentials, bad signature."""

    status = 401


class BodyTooLarge(RequestRefused):
    """The request body is larger than the route takes; refused before it is read whole.

    ``size`` is the declared Content-Length, or with ``so_far`` what had arrived when a
    body without one passed the limit.
    """

    status = 413

    def __init__(self, size: int, limit: int, *, so_far: bool = False) -> None:
        self.size = size
        self.limit = limit
        counted = " so far" if so_far else ""
        super().__init__(f"body too large ({size} bytes{counted} > limit {limit})")

"""The typed contracts between the hub and a plugin: what each registered callable is
called with and must return.

Specs (``hub.core.plugins.registry``) hold callables of these types; the hub calls them
with the plugin's ``PluginContext`` or ``PluginTransaction``. Each is a ``Protocol`` or
a ``Callable`` alias, so a plugin's functions are checked against them by a type checker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from starlette.requests import Request
from starlette.responses import Response

from hub.core.inbound.outcome import IngestOutcome
from hub.core.model.base import Document
from hub.core.model.registry import document_class
from hub.core.plugins.context import PluginContext
from hub.core.plugins.transaction import PluginTransaction
from hub.core.queue.messages import DeliveryResult, OutboundMessage
from hub.core.raw import RawDocument
from hub.core.store.plugin_state import JsonValue

if TYPE_CHECKING:
    from hub.testing.live import LiveHub

# -- Codecs ------------------------------------------------------------------------


class ParsePayload(Protocol):
    """A codec's reader: the documents of one payload, lazily; raises ``DocumentError``
    (naming document, field and reason) for a payload it cannot read."""

    def __call__(self, payload: bytes, source_name: str, /) -> Iterable[RawDocument]: ...


class RenderDocuments(Protocol):
    """A codec's writer: one payload holding ``documents``."""

    def __call__(self, documents: Iterable[RawDocument], /) -> bytes: ...


class AcceptsPayload(Protocol):
    """Whether a codec reads a payload, judged by its first bytes and its name."""

    def __call__(self, head: bytes, source_name: str, /) -> bool: ...


# -- Transports, jobs, loaders -------------------------------------------------------


class Transport(Protocol):
    """What a transport factory makes: ``send`` delivers one message or raises
    ``TransientError`` (retried) or ``PermanentError`` (blocks the object's queue).
    A transport with a ``close()`` method is closed when the worker stops."""

    def send(self, message: OutboundMessage) -> DeliveryResult | None: ...


TransportFactory = Callable[[PluginContext], Transport]
"""Builds a transport once per worker, from the plugin's context."""

JobFunction = Callable[[PluginContext], None]
"""A scheduled job's work."""


@dataclass(frozen=True)
class SourcePart:
    """A run of whole documents cut from a load's source, still unparsed: a payload the
    loader's codec reads on its own, and how many documents it holds."""

    payload: bytes
    count: int


SplitSource = Callable[[int], Iterable[SourcePart]]
"""Cuts a load's source, lazily and in order, into parts of the given number of
documents each (the last may hold fewer), without parsing them: found by cheap
markers, so that worker processes parse and map the parts side by side."""

SplitPayload = Callable[[bytes, int], "list[SourcePart] | None"]
"""Cuts one payload, without parsing it, into at most the given number of parts of
whole documents of nearly equal size, in order (``[]`` when it holds none); None when
it cannot be cut. The codec that reads the payload reads each part on its own, and the
parts read together as the payload does (``hub.core.inbound.spread``)."""


@dataclass(frozen=True)
class OpenedSource:
    """An initial-load source, opened: lazy raw documents and how to recognise the source.

    ``key`` must identify this very source (e.g. file path, size and modification
    time) so that a rerun resumes it and a different file starts afresh; ``total`` is
    the number of documents when known cheaply, for the progress bar. ``parts``, where
    the source can be cut without parsing it, lets a large load run on every core
    (``hub.core.inbound.load``): its parts, parsed, must be exactly ``documents``.
    """

    documents: Iterable[RawDocument]
    source: str
    key: str
    total: int | None = None
    parts: SplitSource | None = None


OpenSource = Callable[[PluginContext, "str | None"], OpenedSource]
"""Opens an initial-load source: a file the user named, or (None) the plugin's peer."""

# -- Inbound extras ------------------------------------------------------------------

Origin = Literal["received", "replay", "load"]
"""How a chunk's documents came: sent by a peer (ports, ``hub ingest``), replayed from
the archive, or read by an initial load."""


@dataclass(frozen=True)
class PostedChunk:
    """What a chunk listener is shown, inside the chunk's transaction."""

    transaction: PluginTransaction
    origin: Origin
    results: list[tuple[RawDocument, IngestOutcome]]


MessageHandler = Callable[[PluginTransaction, RawDocument], str]
"""Handles a message type that is not a canonical document (an ERP's acknowledgement of
our own IDocs, say) inside the chunk's transaction; returns a note for the history and
raises a ``HubError`` to record the document as failed."""

HandlerFactory = Callable[[PluginContext], MessageHandler]
ChunkListener = Callable[[PostedChunk], None]
"""Runs inside each posted chunk's transaction (e.g. to acknowledge to the sender)."""

ListenerFactory = Callable[[PluginContext], ChunkListener]

SourceSystem = Callable[[RawDocument], "str | None"]
"""The system a received document comes from when it is not the plugin's own (an EDI
partner whose orders reach the hub through the ERP plugin's port), or None."""

SourceSystemFactory = Callable[[PluginContext], SourceSystem]

# -- HTTP ----------------------------------------------------------------------------

RouteHandler = Callable[[Request], Awaitable[Response]]
"""A Starlette endpoint; it takes its body with ``receive_payload(request)`` and the
plugin's context with ``route_context(request)``."""

WriteRule = Callable[[PluginTransaction, Document, Document], Document]
"""Checks an update of one document written through the REST API, inside its transaction:
given the stored document and the one sent, returns the document to store (the one sent,
or it amended as the plugin's rule says) or raises a ``DocumentError`` naming the field
and reason, and nothing is written."""

WriteRuleFactory = Callable[[PluginContext], WriteRule]

# -- Subscriptions -------------------------------------------------------------------


@dataclass(frozen=True)
class CanonicalChange:
    """One new version of a canonical document, as a subscription receives it.

    ``source_system`` is the system whose input caused it (``hub`` for changes made in
    the hub itself); ``data`` the document's full content as stored (JSON).
    """

    hub_id: str
    doc_type: str
    version: int
    created: bool
    source_system: str
    data: Mapping[str, JsonValue]

    def document(self) -> Document:
        """The change as its canonical model object."""
        data = {**self.data, "hub_id": self.hub_id, "version": self.version}
        return document_class(self.doc_type).model_validate(data)


ApplyChange = Callable[[PluginTransaction, CanonicalChange], "str | None"]
"""A subscription's work on one change, inside the transaction that records it as
applied (so it happens exactly once); returns a note for the message's history."""

WantsChange = Callable[[str, Mapping[str, JsonValue]], bool]
"""Whether a subscription takes a change, given its document type and full content
(``CanonicalChange.data``); asked inside the transaction that writes the change, before
a message is queued for it, so it must be cheap and must not touch the database."""


# -- The demo ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoStage:
    """What ``hub demo`` gives each part: a folder of its own, the hub's HTTP Basic
    credentials (for simulated peers that post to the hub), how many master records the
    simulated systems hold."""

    work: Path
    username: str
    password: str
    records: int


class DemoPart(Protocol):
    """One plugin's part of the demo, its peers started: ``settings`` is its
    ``[plugins.NAME]`` table for the demo hub; ``run`` shows its flow against the live
    hub and returns what did not happen (empty when all did); ``close`` stops the peers."""

    @property
    def settings(self) -> Mapping[str, object]: ...

    def run(self, hub: LiveHub) -> list[str]: ...

    def close(self) -> None: ...


DemoStart = Callable[[DemoStage], DemoPart]
"""Starts a plugin's demo part (its simulated peers)."""

"""What a plugin may use of the running hub: its ``PluginContext``.

Transports, jobs, loaders, inbound handlers, route handlers and commands all receive
the context of the plugin that registered them, built by the hub at its edge (the CLI,
the HTTP server, a worker). It gives the plugin:

- its own settings, validated (``settings_as(Model)``) and a logger;
- transactions seen from the plugin (``transaction()``, ``reading()``: its state, the
  key map, documents, the outbox; see ``hub.core.plugins.transaction``);
- the inbound pipeline: ``ingest`` a payload (optionally advancing the plugin's state
  in the same transaction), ``ingest_stream`` documents read as they go, the ingest
  pool for many files;
- the mapping tables outbound: ``render`` a canonical document into the plugin's format.

Nothing here hands out the hub's runtime: a plugin sees what it may use, and the hub
can change the rest.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from pydantic import BaseModel

from hub.core.payload import read_payload
from hub.core.plugins.settings import M, settings_as
from hub.core.plugins.transaction import PluginTransaction
from hub.core.store import archive, keymap, plugin_state
from hub.core.store.db import read_only
from hub.core.store.plugin_state import JsonValue

if TYPE_CHECKING:
    from hub.core.inbound.outcome import IngestOutcome
    from hub.core.inbound.pipeline import Ingestor
    from hub.core.inbound.pool import IngestPool
    from hub.core.mapping import MappingSet
    from hub.core.masterdata import MasterDataService
    from hub.core.model.base import Document
    from hub.core.raw import RawDocument
    from hub.core.store.inbox import InboxWriter


@dataclass(frozen=True)
class HubServices:
    """The parts of one hub a plugin context draws on, each built when first used."""

    engine: Callable[[], sa.Engine]
    masterdata: Callable[[], MasterDataService]
    mappings: Callable[[], MappingSet]
    ingestor: Callable[[str], Ingestor]
    ingest_pool: Callable[[str], IngestPool | None]
    ingest_payload: Callable[[str, bytes, str, str], list[IngestOutcome]]
    max_payload_bytes: Callable[[], int]
    inbox: Callable[[], InboxWriter]


class PluginContext:
    """The running hub as one plugin may use it (see the module docstring)."""

    def __init__(self, plugin: str, settings: BaseModel | None, services: HubServices) -> None:
        self.plugin = plugin
        self._settings = settings
        self._services = services
        self.log = logging.getLogger(f"hub.plugins.{plugin}")
        """The plugin's logger (``hub.plugins.<name>``)."""

    def settings_as(self, model: type[M]) -> M:
        """The plugin's validated ``[plugins.<name>]`` settings, as the ``model`` it declared."""
        return settings_as(self._settings, model, self.plugin)

    def with_settings(self, settings: BaseModel) -> PluginContext:
        """The same hub seen by the plugin with other ``settings`` (an instance of its
        declared model): a test points a transport at a fake peer this way, one URL per
        case, without building another hub."""
        return PluginContext(self.plugin, settings, self._services)

    @contextmanager
    def transaction(self) -> Iterator[PluginTransaction]:
        """A write transaction of the hub, committed when the block ends without an error."""
        with self._services.engine().begin() as conn:
            yield PluginTransaction(self.plugin, conn, self._services.masterdata())

    @contextmanager
    def reading(self) -> Iterator[PluginTransaction]:
        """A read-only view (on SQLite it takes no write lock, so it never waits for writers)."""
        with read_only(self._services.engine()).connect() as conn:
            yield PluginTransaction(self.plugin, conn, self._services.masterdata())

    def state(self, name: str) -> JsonValue:
        """The value the plugin keeps under ``name``, or None (see ``PluginTransaction.state``)."""
        with read_only(self._services.engine()).connect() as conn:
            return plugin_state.read(conn, self.plugin, name)

    def ingest(self, payload: bytes, source_name: str, content_type: str = "application/octet-stream", *,
               state: Mapping[str, JsonValue] | None = None) -> list[IngestOutcome]:
        """Take ``payload`` in as if the plugin's system had sent it: archive, map, post.

        A large payload is parsed and mapped by the hub's ingest pool, on several cores,
        and posted in its order (``hub.core.inbound.spread``). With ``state`` (name ->
        value, e.g. the next polling cursor) the payload posts in this process, in one
        transaction that also keeps those values, so a crash keeps both or neither: a
        page is never skipped, and a page read again posts nothing twice.
        """
        if state is None:
            return self._services.ingest_payload(self.plugin, payload, source_name, content_type)
        ingestor = self._services.ingestor(self.plugin)
        values = dict(state)

        def keep_state(conn: sa.Connection, outcomes: list[IngestOutcome]) -> None:
            plugin_state.write(conn, self.plugin, values)

        return ingestor.ingest(payload, source_name, content_type, in_transaction=keep_state)

    def ingest_stream(self, documents: Iterable[RawDocument], codec: str) -> Iterator[list[IngestOutcome]]:
        """Post ``documents`` the plugin reads itself with its codec ``codec`` (a day file
        read from disk as it goes), a chunk at a time: each chunk is taken from the
        iterable only when the one before has committed, and its outcomes are yielded, so
        memory holds one chunk whatever the file's size. Unlike ``ingest`` nothing is
        parsed ahead: the chunks before a document the codec cannot read stay posted (a
        file sent again after a fix posts only what is missing)."""
        ingestor = self._services.ingestor(self.plugin)
        spec = next((c for c in ingestor.codecs if c.name == codec), None)
        if spec is None:
            raise ValueError(f"plugin {self.plugin} has no codec {codec!r}")
        stream = iter(documents)
        while chunk := list(itertools.islice(stream, ingestor.chunk)):
            yield ingestor.post_chunk(spec, chunk)

    def missing_objects(self, limit: int = 200) -> list[tuple[str, str]]:
        """(object type, external id) of the plugin's objects that waiting documents name
        and the hub does not know yet, longest waiting first: what a request load asks the
        plugin's system for (an invoice waiting for its payer's DEBMAS). Each one that
        arrives posts its waiting documents, in order."""
        with read_only(self._services.engine()).connect() as conn:
            return archive.missing_objects(conn, self.plugin, limit)

    def accept(self, payload: bytes, source_name: str, content_type: str = "application/octet-stream") -> int:
        """Keep ``payload`` durably in the inbox, to be posted moments later by the hub
        (``hub.core.inbound.inbox``), for a peer that must be answered at once; returns
        its place in the inbox. What it contains is checked when it is posted."""
        return self._services.inbox().accept(self.plugin, source_name, content_type, payload)

    def read_file(self, path: Path, name: str) -> bytes:
        """The bytes of a file a port took up (called ``name`` in errors), within the hub's
        ``max_payload_bytes``: a larger file is refused unread with a ``DocumentError``."""
        return read_payload(path, name, self._services.max_payload_bytes())

    def ingest_pool(self) -> IngestPool | None:
        """Worker processes that ingest many payloads side by side, posting them in order
        (``hub.core.inbound.pool``); None when the hub runs with one ingest worker."""
        return self._services.ingest_pool(self.plugin)

    def render(self, document: Document) -> RawDocument:
        """``document`` in the plugin's format, through its outbound mapping table (the
        ids other systems know read from the key map)."""
        with read_only(self._services.engine()).connect() as conn:
            def reverse_lookup(system: str, object_type: str, hub_id: str) -> str | None:
                return keymap.reverse_lookup(conn, system, object_type, hub_id)

            return self._services.mappings().render(self.plugin, document, reverse_lookup).raw

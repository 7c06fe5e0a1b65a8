"""The hub as one object: settings, database engine and plugins, built lazily.

The CLI, the HTTP server, workers and tests all start from a ``HubRuntime`` so that
they see the same configuration the same way.
"""

from __future__ import annotations

import threading
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from hub.core.config.problems import setting_problem
from hub.core.errors import ConfigError, Problem
from hub.core.plugins import HubPlugins, LoadedPlugins, LoaderSpec, load_plugins
from hub.core.plugins.settings import M, settings_as
from hub.core.settings import HubSettings, load_plugin_selection, load_settings
from hub.core.store import migrate
from hub.core.store.db import create_engine, read_only
from hub.core.store.urls import DatabaseUrlError, require_persistent

if TYPE_CHECKING:
    from collections.abc import Callable

    from hub.core.inbound.load import InitialLoad
    from hub.core.inbound.outcome import IngestOutcome
    from hub.core.inbound.pipeline import Ingestor
    from hub.core.inbound.pool import IngestPool
    from hub.core.mapping import MappingSet
    from hub.core.masterdata import MasterDataService
    from hub.core.plugins.context import PluginContext
    from hub.core.store.inbox import InboxWriter


class HubRuntime:
    """Settings, engine and plugins of one hub; each part is built on first use."""

    def __init__(
        self, settings: HubSettings | None = None, extra_plugins: dict[str, object] | None = None,
        config_path: str | Path | None = None,
    ) -> None:
        self._settings = settings
        self._config_path = config_path
        self._extra_plugins = extra_plugins or {}
        self._pools: dict[str, IngestPool] = {}
        # The HTTP server's threads may ask for a pool at the same moment: one is built.
        self._pools_lock = threading.Lock()
        self._contexts: dict[str, PluginContext] = {}
        self._ingestors: dict[str, Ingestor] = {}

    @property
    def from_files(self) -> bool:
        """True when the settings come from the configuration file and environment
        (not handed over by a caller, as tests and worker processes do)."""
        return self._settings is None

    @cached_property
    def settings(self) -> HubSettings:
        """Validated settings: those given, or ``config_path`` (default hub.toml) + HUB_* environment."""
        return self._settings or load_settings(self._config_path)

    def check(self) -> None:
        """Validate the settings and every plugin's settings now, not when first used.

        Every command calls this first, so a broken ``[queue]`` or ``[plugins.NAME]``
        stops ``hub status`` as surely as ``hub run``; one ConfigError names every problem
        of every section and every plugin.
        """
        try:
            self.settings  # noqa: B018 - read for its effect: validating the settings
        except ConfigError as broken:
            raise ConfigError([*broken.problems, *self._plugin_problems()]) from None
        self.loaded_plugins  # noqa: B018 - read for its effect: loading the plugins

    def _plugin_problems(self) -> list[Problem]:
        """The plugins' problems while other sections are broken: their part of the
        configuration is read on its own (nothing when that part is broken too)."""
        selection = load_plugin_selection(self._config_path)
        if selection is None:
            return []
        try:
            load_plugins(selection.disabled_plugins, self._extra_plugins, selection.plugins, selection.origin)
        except ConfigError as exc:
            return exc.problems
        return []

    @cached_property
    def engine(self) -> sa.Engine:
        """The database engine (not checked for schema; see ``require_schema``).

        An in-memory SQLite URL is refused here, where the hub's database is opened:
        every command that opens it means to keep what it writes.
        """
        url = self.settings.database_url
        try:
            require_persistent(url)
            return create_engine(url)
        except DatabaseUrlError as exc:
            raise ConfigError([setting_problem(self.settings.origin, (), ("database_url",), str(exc))]) from None

    @cached_property
    def loaded_plugins(self) -> LoadedPlugins:
        """Plugins imported (entry points plus ``extra_plugins``, minus the disabled ones)
        and their settings validated; what they register is collected by ``plugins``."""
        settings = self.settings
        return load_plugins(settings.disabled_plugins, self._extra_plugins, settings.plugins, settings.origin)

    @cached_property
    def plugins(self) -> HubPlugins:
        """Loaded plugins with everything they registered."""
        return HubPlugins(self.loaded_plugins)

    def plugin_context(self, plugin: str) -> PluginContext:
        """What ``plugin`` may use of this hub (``hub.core.plugins.context``), built once."""
        context = self._contexts.get(plugin)
        if context is None:
            from hub.core.plugins.context import HubServices, PluginContext

            if plugin not in self.loaded_plugins.settings:
                raise ConfigError([Problem(f"plugin {plugin}", "is not loaded")])
            services = HubServices(engine=lambda: self.schema_engine, masterdata=lambda: self.shared_masterdata,
                                   mappings=lambda: self.mappings, ingestor=self.shared_ingestor,
                                   ingest_pool=self.ingest_pool, ingest_payload=self.ingest_payload,
                                   max_payload_bytes=lambda: self.settings.max_payload_bytes,
                                   inbox=lambda: self.inbox_writer)
            context = self._contexts[plugin] = PluginContext(plugin, self.loaded_plugins.settings[plugin], services)
        return context

    def plugin_settings(self, plugin: str, model: type[M]) -> M:
        """The validated ``[plugins.<plugin>]`` settings, as the ``model`` the plugin declared."""
        return settings_as(self.loaded_plugins.settings.get(plugin), model, plugin)

    @cached_property
    def mappings(self) -> MappingSet:
        """Every mapping table, compiled; a broken table raises MappingError here, at start."""
        from hub.core.mapping import load_mapping_set

        return load_mapping_set(self.mapping_folders())

    def mapping_folders(self) -> list[Path]:
        """The installation's mapping folder first, then every folder the plugins register."""
        return [Path(self.settings.mappings_dir)] + [folder for _, folder in self.plugins.mapping_folders()]

    @cached_property
    def schema_engine(self) -> sa.Engine:
        """The engine, its schema checked once (``require_schema``), for work that runs often."""
        return self.require_schema()

    @cached_property
    def inbox_writer(self) -> InboxWriter:
        """The one writer of this process's routes' inbox payloads (``hub.core.store.inbox``)."""
        from hub.core.store.inbox import InboxWriter

        return InboxWriter(self.schema_engine)

    @cached_property
    def shared_masterdata(self) -> MasterDataService:
        """One master-data service for the plugins' transactions (``masterdata()`` makes a new one)."""
        return self.masterdata()

    def masterdata(self) -> MasterDataService:
        """The master-data service, its changes feeding the replication outbox; an
        accepted quotation gets its sales order (``hub.core.masterdata.quotations``)."""
        from hub.core.masterdata import MasterDataService
        from hub.core.masterdata.quotations import QuotationListener
        from hub.core.queue.outbox import OutboxListener

        service = MasterDataService.from_settings(
            self.require_schema(), self.settings, listeners=[OutboxListener(self.plugins)]
        )
        service.listeners.append(QuotationListener(service))
        return service

    def shared_ingestor(self, system: str) -> Ingestor:
        """The inbound pipeline of ``system``, built once and shared (it keeps no state
        between payloads), for work that takes payloads often: ports, the inbox poster."""
        ingestor = self._ingestors.get(system)
        if ingestor is None:
            ingestor = self._ingestors[system] = self.ingestor(system)
        return ingestor

    def ingest_payload(self, system: str, payload: bytes, source_name: str,
                       content_type: str = "application/octet-stream") -> list[IngestOutcome]:
        """Ingest one payload of ``system`` as ``Ingestor.ingest`` does; a large one in
        the ingest pool, on several cores (``hub.core.inbound.spread``)."""
        from hub.core.inbound.spread import ingest_spread

        settings = self.settings
        workers = 1 if self._extra_plugins else settings.ingest_workers
        return ingest_spread(self.shared_ingestor(system), lambda: self.ingest_pool(system), workers,
                             settings.ingest_pool_min_documents, payload, source_name, content_type)

    def ingestor(self, system: str, duplicate_check: bool = True) -> Ingestor:
        """The inbound pipeline for payloads from ``system`` (a plugin name)."""
        from hub.core.inbound.chunk import Posting
        from hub.core.inbound.pipeline import Ingestor

        codecs = self.plugins.codecs_of(system)
        if not codecs:
            raise ConfigError([Problem(f"plugin {system}", "is not loaded or brings no codec")])
        extras = self.plugins.inbound_of(system)
        context = self.plugin_context(system)
        masterdata = self.masterdata()
        masterdata.duplicate_check = duplicate_check
        posting = Posting(
            system, self.mappings, masterdata,
            handlers={kind: factory(context) for kind, factory in extras.message_handlers.items()},
            listener=extras.chunk_listener(context) if extras.chunk_listener else None,
            source_of=extras.source_system(context) if extras.source_system else None,
        )
        return Ingestor(self.require_schema(), posting, codecs)

    def initial_load(self, system: str, object_name: str,
                     duplicate_check: bool = True) -> tuple[LoaderSpec, InitialLoad]:
        """The loader ``object_name`` of plugin ``system`` and a load through its ingestor."""
        from hub.core.errors import NotFoundError
        from hub.core.inbound.load import InitialLoad

        loaders = self.plugins.loaders_of(system)
        if object_name not in loaders:
            raise NotFoundError(f"plugin {system} has no loader {object_name!r}; it has: "
                                + (", ".join(sorted(loaders)) or "none"))
        spec = loaders[object_name]
        codecs = {codec.name: codec for codec in self.plugins.codecs_of(system)}
        if spec.codec not in codecs:
            raise ConfigError([Problem(f"plugin {system}", f"loader {object_name!r} names codec {spec.codec!r},"
                                       f" which it does not register (it has: {', '.join(codecs) or 'none'})")])
        return spec, InitialLoad(self.ingestor(system, duplicate_check), object_name, codecs[spec.codec],
                                 start_pool=lambda: self.load_pool(system, duplicate_check))

    def load_pool(self, system: str, duplicate_check: bool = True) -> IngestPool | None:
        """Worker processes for one large initial load of ``system`` (``hub.core.inbound.load``),
        closed by the load; None as for ``ingest_pool``."""
        if self.settings.ingest_workers < 2 or self._extra_plugins:
            return None
        from hub.core.inbound.pool import IngestPool

        self.require_schema()
        start = partial(pool_ingestor, duplicate_check=duplicate_check)
        return IngestPool(start, self.settings, system, self.settings.ingest_workers)

    def ingest_pool(self, system: str) -> IngestPool | None:
        """Worker processes that ingest ``system``'s payloads side by side (``hub.core.inbound.pool``).

        Started on first use and kept until ``close``. None when the settings ask for
        one process (``ingest_workers = 1``), or when plugins were handed to this
        runtime as objects: a spawned worker loads only installed plugins.
        """
        if self.settings.ingest_workers < 2 or self._extra_plugins:
            return None
        with self._pools_lock:
            pool = self._pools.get(system)
            if pool is None or pool.closed:
                from hub.core.inbound.pool import IngestPool

                self.require_schema()
                pool = self._pools[system] = IngestPool(pool_ingestor, self.settings, system,
                                                        self.settings.ingest_workers)
            return pool

    def require_schema(self) -> sa.Engine:
        """The engine, after checking the database is at this code's schema revision."""
        current = migrate.current_revision(read_only(self.engine))
        head = migrate.head_revision()
        if current != head:
            state = "has no hub schema" if current is None else f"is at schema {current}, code needs {head}"
            raise ConfigError([Problem("database", f"{state}; run `hub init` to create or upgrade it")])
        return self.engine

    def close(self) -> None:
        """Stop ingest workers and release database connections."""
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        if "engine" in self.__dict__:
            self.engine.dispose()


def pool_ingestor(settings: HubSettings, system: str,
                  duplicate_check: bool = True) -> tuple[Ingestor, Callable[[], None]]:
    """An ingest pool worker's start (``hub.core.inbound.pool``): a hub of its own from
    the same settings, its ingestor for ``system``, and how to close the hub."""
    runtime = HubRuntime(settings)
    return runtime.ingestor(system, duplicate_check), runtime.close

"""Builds the plugin manager and wraps it in a typed facade.

Plugins, built-in or third-party, are discovered the same way: the ``crm_hub.plugins``
entry-point group. ``HUB_DISABLED_PLUGINS`` (or ``disabled_plugins`` in hub.toml)
keeps named plugins out. ``check_pending()`` runs after loading so that a misspelt
hook name fails at start-up instead of being silently ignored.

Two stages: ``load_plugins`` imports the plugins and validates their settings (every
command does this, so a broken ``[plugins.*]`` table stops any of them); ``HubPlugins``
then collects what each plugin registers (codecs, transports, commands...), which only
the commands that use them pay for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click
import pluggy
from pydantic import BaseModel

from hub.core import hookspecs
from hub.core.config.origin import ConfigOrigin
from hub.core.errors import ConfigError, Problem
from hub.core.plugins.calls import call_one, implementers
from hub.core.plugins.registry import (
    CodecSpec,
    DemoSpec,
    InboundSpec,
    JobSpec,
    LoaderSpec,
    PluginContributions,
    PluginRegistry,
    RouteSpec,
    SubscriptionSpec,
    TransportSpec,
    WriteRuleSpec,
)
from hub.core.plugins.settings import declared_models, validate_plugin_settings

if TYPE_CHECKING:
    from hub.core.plugins.contracts import WantsChange

ENTRY_POINT_GROUP = "crm_hub.plugins"

_REGISTRATION_HOOKS = (
    "hub_register_codecs",
    "hub_register_transports",
    "hub_register_mappings",
    "hub_register_commands",
    "hub_register_jobs",
    "hub_register_loaders",
    "hub_register_inbound",
    "hub_register_routes",
    "hub_register_write_rules",
    "hub_register_demo",
)


@dataclass(frozen=True)
class PluginInfo:
    """One loaded plugin as ``hub plugins`` shows it."""

    name: str
    version: str
    module: str
    contributions: PluginContributions

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "version": self.version, "module": self.module,
                **self.contributions.summary()}


@dataclass(frozen=True)
class DeliveryTarget:
    """A transport or subscription the outbox routes changes to (``HubPlugins.targets``)."""

    system: str
    transport: str
    document_types: tuple[str, ...]
    own_changes: bool
    """Whether changes that came from ``system`` itself go to it too (never for transports)."""
    wants: WantsChange | None = None
    """Which changes it takes (a subscription's ``wants``); None: every one of its types."""


@dataclass(frozen=True)
class LoadedPlugins:
    """Plugins imported and registered with pluggy, their settings validated; nothing
    else of theirs collected yet.

    ``settings``: each plugin's validated ``[plugins.<name>]`` model instance, None for
    a plugin that declares no settings.
    """

    pm: pluggy.PluginManager
    versions: dict[str, str]
    settings: dict[str, BaseModel | None]


class HubPlugins:
    """Typed facade over the pluggy manager: the core never calls ``pm.hook`` itself."""

    def __init__(self, loaded: LoadedPlugins) -> None:
        self._pm = loaded.pm
        self._versions = loaded.versions
        self._settings = loaded.settings
        self._contributions: dict[str, PluginContributions] = {}
        self._collect_registrations()

    def _collect_registrations(self) -> None:
        taken: dict[str, str] = {}
        for name, _ in self._pm.list_name_plugin():
            self._contributions[name] = PluginContributions()
        for hook_name in _REGISTRATION_HOOKS:
            # Plugin by plugin, so each writes into a registry scoped to itself.
            for plugin in implementers(self._pm, hook_name):
                registry = PluginRegistry(plugin, self._contributions[plugin], taken, self._settings.get(plugin))
                call_one(self._pm, hook_name, plugin, registry=registry)

    def settings_of(self, plugin: str) -> BaseModel | None:
        """The validated settings of ``plugin`` (None when it declares none or is not loaded)."""
        return self._settings.get(plugin)

    @property
    def names(self) -> list[str]:
        """Names of the loaded plugins, in load order."""
        return list(self._contributions)

    def info(self) -> list[PluginInfo]:
        """Every loaded plugin with what it registered."""
        return [
            PluginInfo(name, self._versions.get(name, "unknown"),
                       getattr(self._pm.get_plugin(name), "__name__", repr(self._pm.get_plugin(name))),
                       contributions)
            for name, contributions in self._contributions.items()
        ]

    def _each(self, attr: str) -> Iterator[tuple[str, Any]]:
        for plugin, contributions in self._contributions.items():
            for item in getattr(contributions, attr):
                yield plugin, item

    def codecs(self) -> dict[str, CodecSpec]:
        """Codecs by qualified name ``PLUGIN/NAME``."""
        return {f"{plugin}/{codec.name}": codec for plugin, codec in self._each("codecs")}

    def codecs_of(self, plugin: str) -> list[CodecSpec]:
        """The codecs one plugin registered."""
        return list(self._contributions[plugin].codecs) if plugin in self._contributions else []

    def transports(self) -> dict[str, TransportSpec]:
        """Transports by qualified name ``PLUGIN/NAME``, subscriptions among them
        (``PLUGIN/subscription:NAME``, see ``hub.core.plugins.subscriptions``)."""
        from hub.core.plugins.subscriptions import as_transport

        found = {f"{plugin}/{t.name}": t for plugin, t in self._each("transports")}
        found.update({f"{plugin}/{as_transport(s).name}": as_transport(s) for plugin, s in self._each("subscriptions")})
        return found

    def demos(self) -> list[tuple[str, DemoSpec]]:
        """(plugin, demo part) for every part of ``hub demo``, in the order they run."""
        return sorted(self._each("demos"), key=lambda found: (found[1].order, found[0]))

    def subscriptions_of(self, plugin: str) -> list[SubscriptionSpec]:
        """The subscriptions one plugin registered."""
        return list(self._contributions[plugin].subscriptions) if plugin in self._contributions else []

    def targets(self) -> list[DeliveryTarget]:
        """Where the outbox sends canonical changes: every transport and subscription
        with the document types it takes."""
        from hub.core.plugins.subscriptions import PREFIX

        targets = [DeliveryTarget(plugin, t.name, t.document_types, False) for plugin, t in self._each("transports")]
        targets += [DeliveryTarget(plugin, f"{PREFIX}{s.name}", s.document_types, s.own_changes, s.wants)
                    for plugin, s in self._each("subscriptions")]
        return targets

    def mapping_folders(self) -> list[tuple[str, Path]]:
        """(plugin, folder) for every folder of mapping tables a plugin ships."""
        return list(self._each("mapping_folders"))

    def commands(self) -> list[click.Command]:
        """CLI commands added by plugins."""
        return [command for _, command in self._each("commands")]

    def jobs(self) -> list[tuple[str, JobSpec]]:
        """(plugin, job) for every scheduled job."""
        return list(self._each("jobs"))

    def loaders_of(self, plugin: str) -> dict[str, LoaderSpec]:
        """The initial-load sources of one plugin, by name."""
        return {spec.name: spec for p, spec in self._each("loaders") if p == plugin}

    def inbound_of(self, plugin: str) -> InboundSpec:
        """The inbound extras of one plugin (empty when it registered none)."""
        specs = self._contributions[plugin].inbound if plugin in self._contributions else []
        return specs[0] if specs else InboundSpec()

    def routes(self) -> list[tuple[str, RouteSpec]]:
        """(plugin, route) for every HTTP endpoint."""
        return list(self._each("routes"))

    def write_rules(self) -> list[tuple[str, WriteRuleSpec]]:
        """(plugin, rule) for every rule over REST API updates."""
        return list(self._each("write_rules"))


def _discover(disabled: set[str]) -> Iterator[tuple[str, metadata.EntryPoint]]:
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.name not in disabled:
            yield entry_point.name, entry_point


def load_plugins(
    disabled: Iterable[str] = (), extra: dict[str, ModuleType | object] | None = None,
    tables: Mapping[str, Mapping[str, Any]] | None = None, origin: ConfigOrigin | None = None,
) -> LoadedPlugins:
    """Load every plugin of the entry-point group except ``disabled``, and validate
    their ``[plugins.NAME]`` ``tables`` against the models they declare.

    ``extra`` registers additional plugin objects by name (tests, embedding apps);
    they go through the same checks as discovered ones. ``origin`` says where the
    tables came from, for the problems' locations. Raises one ConfigError listing every
    plugin that failed to import, implements an unknown hook or declares its settings
    wrongly, and every problem of every table.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    versions: dict[str, str] = {}
    problems: list[Problem] = []
    disabled_set = set(disabled)
    broken: set[str] = set()
    for name, entry_point in _discover(disabled_set):
        try:
            plugin = entry_point.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not hide the others' problems
            problems.append(Problem(f"plugin {name}", f"cannot be imported: {exc!r}"))
            broken.add(name)
            continue
        pm.register(plugin, name=name)
        versions[name] = entry_point.dist.version if entry_point.dist else "unknown"
    for name, plugin in (extra or {}).items():
        if name not in disabled_set:
            pm.register(plugin, name=name)
            versions[name] = getattr(plugin, "__version__", "unknown")
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        problems.append(Problem(f"plugin {exc.plugin}", str(exc)))
    models, declaration_problems = declared_models(pm)
    settings, table_problems = validate_plugin_settings(
        models, tables or {}, origin or ConfigOrigin(), ignored=disabled_set | broken)
    problems += declaration_problems + table_problems
    if problems:
        raise ConfigError(problems)
    return LoadedPlugins(pm, versions, settings)


def build_plugin_manager(
    disabled: Iterable[str] = (), extra: dict[str, ModuleType | object] | None = None,
    plugin_settings: Mapping[str, Mapping[str, Any]] | None = None, origin: ConfigOrigin | None = None,
) -> HubPlugins:
    """Load the plugins (``load_plugins``) and collect what each one registers.

    Raises ConfigError as ``load_plugins`` does, and for a name two plugins claim.
    """
    return HubPlugins(load_plugins(disabled, extra, plugin_settings, origin))

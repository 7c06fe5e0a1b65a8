"""Every hook a CRM Hub plugin can implement, grouped by lifecycle.

Rules (borrowed from pytest): every hook is prefixed ``hub_``, typed and documented;
specs only ever gain keyword parameters, so plugins written against an older hub keep
working. Registration hooks receive a *registry* scoped to the calling plugin and
return nothing; the core collects what each plugin added and reports it in
``hub plugins``.

A plugin implements only the hooks it really serves::

    from hub import hookimpl

    @hookimpl
    def hub_register_codecs(registry):
        registry.add_codec(CodecSpec(...))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from hub.core.plugins.registry import PluginRegistry
    from hub.core.plugins.settings import SettingsRegistry

PROJECT = "crm_hub"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- Configuration: called when plugins load, at every command ----------------------


@hookspec
def hub_register_settings(registry: SettingsRegistry) -> None:
    """Declare the plugin's settings with ``registry.set_settings(Model)``.

    ``Model`` is a pydantic model of the plugin's ``[plugins.<name>]`` table (nested
    tables such as ``[plugins.<name>.shops.eu]`` are fields holding models); it and every
    model in it must refuse unknown keys (``extra="forbid"``), describe their fields and
    hold credentials as ``SecretStr``. The hub validates the table against it when
    plugins load, at every command, reports every problem of every plugin at once, and
    hands the plugin the validated instance: ``registry.settings_as(Model)`` in the
    registration hooks below, ``runtime.plugin_settings(name, Model)`` and
    ``context.settings_as(Model)`` afterwards. A plugin that declares no model takes no
    table. Called before every other hook; keep the module that implements it cheap to
    import, as every ``hub`` command imports it.
    """


# -- Registration: called once when the plugin manager is built -------------------


@hookspec
def hub_register_codecs(registry: PluginRegistry) -> None:
    """Add the codecs this plugin brings with ``registry.add_codec(CodecSpec(...))``.

    A codec turns external payloads (IDoc files, shop JSON, POSLog XML) into raw
    records for the mapping engine, and raw records back into payloads.
    """


@hookspec
def hub_register_transports(registry: PluginRegistry) -> None:
    """Add outbound transports with ``registry.add_transport(TransportSpec(...))``.

    A transport delivers one queued message to an external system and raises
    ``TransientError`` or ``PermanentError`` when it cannot.
    """


@hookspec
def hub_register_mappings(registry: PluginRegistry) -> None:
    """Add folders of mapping tables with ``registry.add_mapping_folder(path)``.

    Tables in the installation's own ``mappings/`` folder override a plugin's tables
    of the same (plugin, document type).
    """


@hookspec
def hub_register_commands(registry: PluginRegistry) -> None:
    """Add CLI subcommands (click commands or groups) with ``registry.add_command(cmd)``."""


@hookspec
def hub_register_jobs(registry: PluginRegistry) -> None:
    """Add scheduled jobs with ``registry.add_job(JobSpec(...))`` (polling, billing plans...)."""


@hookspec
def hub_register_inbound(registry: PluginRegistry) -> None:
    """Add extras of the plugin's inbound pipeline with ``registry.add_inbound(InboundSpec(...))``:
    handlers for message types that are not canonical documents, and a listener run in
    each ingested chunk's transaction."""


@hookspec
def hub_register_loaders(registry: PluginRegistry) -> None:
    """Add initial-load sources with ``registry.add_loader(LoaderSpec(...))``.

    ``hub load PLUGIN OBJECT`` streams a loader's raw documents through the mapping
    tables into master data, resumably.
    """


@hookspec
def hub_register_routes(registry: PluginRegistry) -> None:
    """Add HTTP endpoints of the hub's one server with ``registry.add_route(RouteSpec(...))``.

    Each route declares who may call it (``auth``: ``PUBLIC``, ``BASIC`` by default,
    ``ApiKey(check)``, ``Verify(check)``) and may cap its body (``max_body_bytes``); the
    server enforces both before the handler runs. Handlers take their body with
    ``hub.http.receive_payload(request)``.
    """


@hookspec
def hub_register_write_rules(registry: PluginRegistry) -> None:
    """Add rules over REST API updates with ``registry.add_write_rule(WriteRuleSpec(...))``.

    A rule sees the stored document and the one sent, inside the update's transaction,
    and returns what to store or raises ``DocumentError`` (the API answers 422 naming the
    field): the REST API then keeps the plugin's business rules (a contract's notice
    period, say) exactly as the plugin's own commands do.
    """


@hookspec
def hub_register_demo(registry: PluginRegistry) -> None:
    """Add the plugin's part of ``hub demo`` with ``registry.add_demo(DemoSpec(...))``.

    ``hub demo`` runs one hub with every plugin's part: each starts its simulated peers
    and gives its settings table (``DemoSpec.start``), then each runs against the shared
    live hub in the parts' ``order`` (the ERP first, so the others find its master data)
    and says what did not happen.
    """

"""Specs a plugin registers, and the registry handed to its registration hooks.

Each plugin gets a registry scoped to its own name, so every codec, transport,
command or job is known together with the plugin that brought it. The callables a
spec holds are typed by ``hub.core.plugins.contracts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click
from pydantic import BaseModel

from hub.core.errors import ConfigError, Problem
from hub.core.plugins.authentication import BASIC, ApiKey, Authentication, Basic, Public, Verify
from hub.core.plugins.settings import M, settings_as

if TYPE_CHECKING:
    # Types only: a command that loads plugins must not pay for the model and the
    # store that the contracts name.
    from hub.core.plugins.contracts import (
        AcceptsPayload,
        ApplyChange,
        DemoStart,
        HandlerFactory,
        JobFunction,
        ListenerFactory,
        OpenSource,
        ParsePayload,
        RenderDocuments,
        RouteHandler,
        SourceSystemFactory,
        SplitPayload,
        TransportFactory,
        WantsChange,
        WriteRuleFactory,
    )


@dataclass(frozen=True)
class CodecSpec:
    """A codec: external payload bytes <-> raw documents for the mapping engine.

    ``parse(payload, source_name)`` yields ``RawDocument``s; ``render(documents)``
    returns payload bytes, or is None for inbound-only formats. ``accepts(payload_head,
    source_name)`` says whether this codec reads a payload (by its first bytes or file
    name), so ``hub ingest``/``hub dry-run`` can pick the codec. ``document_kinds`` are
    the message types it carries (``DEBMAS``, ``orders/create``...). ``status_codes``
    maps the hub's inbound statuses (received, mapped, posted, failed, conflict,
    replayed) to the sender's own vocabulary (IDoc 50, 64, 53, 51), recorded beside
    them in each document's history. ``split(payload, parts)``, where the format can be
    cut at cheap markers, lets one large payload be mapped by several worker processes
    (``hub.core.inbound.spread``).
    """

    name: str
    parse: ParsePayload
    render: RenderDocuments | None = None
    accepts: AcceptsPayload | None = None
    document_kinds: tuple[str, ...] = ()
    media_types: tuple[str, ...] = ()
    description: str = ""
    status_codes: Mapping[str, str] = field(default_factory=dict)
    split: SplitPayload | None = None


@dataclass(frozen=True)
class TransportSpec:
    """An outbound transport: ``factory(context)`` returns a ``Transport`` (``send(message)``).

    ``document_types`` are the canonical types whose changes the outbox routes to this
    transport: every change, except those that came from the plugin's own system.
    """

    name: str
    factory: TransportFactory
    document_types: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class SubscriptionSpec:
    """Canonical changes of ``document_types`` from any system, applied by the plugin.

    Delivered through the queues like any target (in order per document, retried,
    blocking only that document's queue), and applied exactly once: ``apply(transaction,
    change)`` runs inside the transaction that records the change as applied, so a
    redelivery finds it applied. Changes that came from the plugin's own system are
    included only with ``own_changes``.

    ``wants(doc_type, data)``, when given, picks the changes the subscription acts on
    before any is queued: a subscription that acts on few of its types' changes (release
    orders among all sales orders) would otherwise cost every other change a message, a
    delivery and a transaction that apply nothing.
    """

    name: str
    document_types: tuple[str, ...]
    apply: ApplyChange
    own_changes: bool = False
    description: str = ""
    wants: WantsChange | None = None


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: ``func(context)`` runs with the plugin's context; ``trigger``
    and ``trigger_args`` as APScheduler's ``add_job`` takes them."""

    id: str
    func: JobFunction
    trigger: str = "interval"
    trigger_args: Mapping[str, int | float | str] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class RouteSpec:
    """An HTTP endpoint on the hub's server: ``handler`` is a Starlette endpoint.

    ``auth`` is who may call it (``PUBLIC``, ``BASIC`` by default, ``ApiKey(check)``,
    ``Verify(check)``), checked before the handler runs. ``max_body_bytes`` caps the
    request body (None: ``[http] max_body_bytes``); a larger one gets 413 before it is
    read. A handler takes its body with ``receive_payload(request)`` and its plugin's
    context with ``route_context(request)``.
    """

    path: str
    handler: RouteHandler
    methods: tuple[str, ...] = ("POST",)
    description: str = ""
    auth: Authentication = BASIC
    max_body_bytes: int | None = None


@dataclass(frozen=True)
class WriteRuleSpec:
    """A plugin's rule over REST API updates of ``doc_type``: ``rule(context)`` builds the
    check (``hub.core.plugins.contracts.WriteRule``) run before such an update is stored.
    An update that comes in through a plugin's own channel (the ERP's word) is not checked."""

    name: str
    doc_type: str
    rule: WriteRuleFactory
    description: str = ""


@dataclass(frozen=True)
class LoaderSpec:
    """An initial-load source: ``open(context, source)`` returns an ``OpenedSource``.

    ``source`` is what the user named (a file, or None for the plugin's configured
    peer); the documents must be produced lazily so a million records fit in constant
    memory. ``name`` is the OBJECT of ``hub load PLUGIN OBJECT`` (customers, products);
    ``codec`` names the plugin's codec the documents are read with (its status
    vocabulary goes into their history).
    """

    name: str
    doc_type: str
    open: OpenSource
    description: str = ""
    codec: str = ""


@dataclass(frozen=True)
class DemoSpec:
    """The plugin's part of ``hub demo``: ``start(stage)`` starts its simulated peers and
    returns a ``DemoPart`` (its settings table, then ``run(hub)`` and ``close()``); parts
    run in ``order`` (lowest first)."""

    name: str
    start: DemoStart
    order: int = 100
    description: str = ""


@dataclass(frozen=True)
class InboundSpec:
    """Extras of a plugin's inbound pipeline, built from the plugin's context.

    ``message_handlers``: message type -> factory of a handler for documents that are
    not canonical documents (e.g. an ERP's ALEAUD acknowledgements of our own IDocs).
    ``chunk_listener``: factory of a callable run inside each posted chunk's transaction
    (e.g. to acknowledge to the sender). ``source_system``: factory of a callable that
    names the system a document comes from when it is not the plugin's own (see
    ``hub.core.inbound.chunk``); without it every document is the plugin's.
    """

    message_handlers: Mapping[str, HandlerFactory] = field(default_factory=dict)
    chunk_listener: ListenerFactory | None = None
    source_system: SourceSystemFactory | None = None


@dataclass
class PluginContributions:
    """What one plugin registered."""

    codecs: list[CodecSpec] = field(default_factory=list)
    transports: list[TransportSpec] = field(default_factory=list)
    mapping_folders: list[Path] = field(default_factory=list)
    commands: list[click.Command] = field(default_factory=list)
    jobs: list[JobSpec] = field(default_factory=list)
    routes: list[RouteSpec] = field(default_factory=list)
    loaders: list[LoaderSpec] = field(default_factory=list)
    inbound: list[InboundSpec] = field(default_factory=list)
    subscriptions: list[SubscriptionSpec] = field(default_factory=list)
    demos: list[DemoSpec] = field(default_factory=list)
    write_rules: list[WriteRuleSpec] = field(default_factory=list)

    def summary(self) -> dict[str, list[str]]:
        """Names of what was registered, for ``hub plugins``."""
        return {
            "codecs": [c.name for c in self.codecs],
            "document_kinds": sorted({k for c in self.codecs for k in c.document_kinds}),
            "transports": [t.name for t in self.transports],
            "mapping_folders": [str(p) for p in self.mapping_folders],
            "commands": [c.name or "" for c in self.commands],
            "jobs": [j.id for j in self.jobs],
            "routes": [r.path for r in self.routes],
            "loaders": [loader.name for loader in self.loaders],
            "subscriptions": [s.name for s in self.subscriptions],
            "demos": [d.name for d in self.demos],
            "write_rules": [r.name for r in self.write_rules],
        }


class PluginRegistry:
    """The registry one plugin writes into; names must be unique across plugins."""

    def __init__(self, plugin: str, contributions: PluginContributions, taken: dict[str, str],
                 settings: BaseModel | None = None):
        self.plugin = plugin
        self.settings = settings
        """The plugin's validated ``[plugins.NAME]`` settings (None when it declares none)."""
        self._contributions = contributions
        self._taken = taken

    def settings_as(self, model: type[M]) -> M:
        """The plugin's validated settings, typed as the ``model`` it declared in
        ``hub_register_settings``, for registrations that depend on them."""
        return settings_as(self.settings, model, self.plugin)

    def _claim(self, kind: str, name: str) -> None:
        where = f"plugin {self.plugin}"
        if not name:
            raise ConfigError([Problem(where, f"a {kind} needs a name")])
        key = f"{kind}:{name}"
        if key in self._taken:
            owner = self._taken[key]
            raise ConfigError([Problem(where, f"{kind} {name!r} is already registered by {owner}")])
        self._taken[key] = self.plugin

    def add_codec(self, codec: CodecSpec) -> None:
        """Register a codec under ``PLUGIN/NAME``."""
        self._claim("codec", f"{self.plugin}/{codec.name}")
        self._contributions.codecs.append(codec)

    def add_transport(self, transport: TransportSpec) -> None:
        """Register an outbound transport under ``PLUGIN/NAME``."""
        self._claim("transport", f"{self.plugin}/{transport.name}")
        self._contributions.transports.append(transport)

    def add_mapping_folder(self, folder: str | Path) -> None:
        """Register a folder of mapping tables shipped with the plugin."""
        self._contributions.mapping_folders.append(Path(folder))

    def add_command(self, command: click.Command) -> None:
        """Register a top-level CLI command or group (its name must be free)."""
        self._claim("command", command.name or "")
        self._contributions.commands.append(command)

    def add_job(self, job: JobSpec) -> None:
        """Register a scheduled job (its id must be unique)."""
        self._claim("job", job.id)
        self._contributions.jobs.append(job)

    def add_loader(self, loader: LoaderSpec) -> None:
        """Register an initial-load source under ``PLUGIN/NAME``."""
        self._claim("loader", f"{self.plugin}/{loader.name}")
        self._contributions.loaders.append(loader)

    def add_subscription(self, subscription: SubscriptionSpec) -> None:
        """Subscribe to canonical changes under ``PLUGIN/NAME`` (see ``SubscriptionSpec``)."""
        if not subscription.document_types:
            raise ConfigError([Problem(f"plugin {self.plugin}",
                                       f"subscription {subscription.name!r} names no document types")])
        self._claim("subscription", f"{self.plugin}/{subscription.name}")
        self._contributions.subscriptions.append(subscription)

    def add_demo(self, demo: DemoSpec) -> None:
        """Add the plugin's part of ``hub demo`` (one per plugin)."""
        self._claim("demo", self.plugin)
        self._contributions.demos.append(demo)

    def add_inbound(self, inbound: InboundSpec) -> None:
        """Register the extras of this plugin's inbound pipeline (once per plugin)."""
        self._claim("inbound", self.plugin)
        self._contributions.inbound.append(inbound)

    def add_write_rule(self, rule: WriteRuleSpec) -> None:
        """Register a rule over REST API updates of one document type (its name must be free)."""
        self._claim("write rule", f"{self.plugin}/{rule.name}")
        self._contributions.write_rules.append(rule)

    def add_route(self, route: RouteSpec) -> None:
        """Register an HTTP endpoint (its path must be free)."""
        problems = []
        if not isinstance(route.auth, Public | Basic | ApiKey | Verify):
            problems.append(f"route {route.path}: auth must be PUBLIC, BASIC, ApiKey(...) or Verify(...),"
                            f" not {route.auth!r}")
        if route.max_body_bytes is not None and route.max_body_bytes < 1:
            problems.append(f"route {route.path}: max_body_bytes must be at least 1")
        if problems:
            raise ConfigError([Problem(f"plugin {self.plugin}", p) for p in problems])
        self._claim("route", route.path)
        self._contributions.routes.append(route)

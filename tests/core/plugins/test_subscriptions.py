"""Subscriptions: canonical changes of given types, from any system, through the queues,
in order per document and applied exactly once."""

from __future__ import annotations

import types
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub import hookimpl
from hub.api import CanonicalChange, OutboundMessage, PluginRegistry, PluginTransaction, SubscriptionSpec
from hub.core.masterdata import Incoming
from hub.core.model.partner import Partner
from hub.core.plugins.subscriptions import SubscriptionTransport
from hub.core.queue.tables import messages
from hub.core.queue.worker import Worker
from hub.core.runtime import HubRuntime
from hub.core.settings import HubSettings
from hub.core.store import migrate

LISTENER = "listener"


def _apply(transaction: PluginTransaction, change: CanonicalChange) -> str:
    """Keeps, per document, the versions it saw (in order) and where each came from."""
    seen = transaction.state(change.hub_id) or []
    assert isinstance(seen, list)
    transaction.set_state({change.hub_id: [*seen, f"v{change.version} from {change.source_system}"]})
    return f"seen {change.document().doc_type} v{change.version}"


def _plugin(own_changes: bool) -> types.ModuleType:
    plugin = types.ModuleType("subscribing_plugin")

    @hookimpl
    def hub_register_transports(registry: PluginRegistry) -> None:
        registry.add_subscription(SubscriptionSpec("partners", ("partner",), _apply, own_changes=own_changes))

    plugin.hub_register_transports = hub_register_transports  # type: ignore[attr-defined]
    return plugin


def _hub(database_url: str, tmp_path: Path, own_changes: bool = False) -> HubRuntime:
    installed = [ep.name for ep in metadata.entry_points(group="crm_hub.plugins")]
    runtime = HubRuntime(HubSettings(database_url=database_url, mappings_dir=tmp_path / "mappings",
                                     disabled_plugins=installed),
                         extra_plugins={LISTENER: _plugin(own_changes)})
    migrate.upgrade(runtime.engine)
    return runtime


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[HubRuntime]:
    hub = _hub(database_url, tmp_path)
    yield hub
    hub.close()


def _partner(name: str) -> Partner:
    return Partner(kind="organisation", organisation_name=name)


def test_changes_from_every_other_system_arrive_in_order(runtime: HubRuntime) -> None:
    masterdata = runtime.masterdata()
    first = masterdata.upsert_many([Incoming(_partner("Alpha GmbH"), "erp_sap")])[0]
    masterdata.upsert(_partner("Alpha GmbH & Co. KG").model_copy(update={"hub_id": first.hub_id}), "ecommerce")
    masterdata.upsert(_partner("Alpha KG").model_copy(update={"hub_id": first.hub_id}), LISTENER)  # its own: not sent
    Worker(runtime).run_until_idle()
    assert runtime.plugin_context(LISTENER).state(first.hub_id) == ["v1 from erp_sap", "v2 from ecommerce"]
    with runtime.engine.connect() as conn:
        rows = conn.execute(sa.select(messages.c.transport, messages.c.status, messages.c.queue)
                            .order_by(messages.c.id)).all()
    expected = ("subscription:partners", "confirmed", f"{LISTENER}:partner:{first.hub_id}")
    assert [tuple(r) for r in rows] == [expected] * 2


def test_a_subscription_may_take_its_own_systems_changes(database_url: str, tmp_path: Path) -> None:
    hub = _hub(database_url, tmp_path, own_changes=True)
    try:
        created = hub.masterdata().upsert(_partner("Beta AG"), LISTENER)
        Worker(hub).run_until_idle()
        assert hub.plugin_context(LISTENER).state(created.hub_id) == [f"v1 from {LISTENER}"]
    finally:
        hub.close()


def test_a_redelivered_change_is_not_applied_twice(runtime: HubRuntime) -> None:
    """A worker that dies after the subscription committed, before it recorded the
    delivery, leaves the message to be delivered again: the receipt stops it."""
    created = runtime.masterdata().upsert(_partner("Gamma SE"), "erp_sap")
    with runtime.engine.connect() as conn:
        row = conn.execute(sa.select(messages)).one()
    message = OutboundMessage(row.id, row.queue, row.seq, row.system, row.kind, row.doc_type, row.hub_id,
                              row.version, row.payload, row.idempotency_key, 1)
    [spec] = runtime.plugins.subscriptions_of(LISTENER)
    transport = SubscriptionTransport(runtime.plugin_context(LISTENER), spec)
    assert transport.send(message).detail == "seen partner v1"
    assert transport.send(message).detail == "applied before; not applied again"
    Worker(runtime).run_until_idle()
    assert runtime.plugin_context(LISTENER).state(created.hub_id) == ["v1 from erp_sap"]


def test_a_change_that_fails_to_apply_leaves_nothing_behind(runtime: HubRuntime) -> None:
    created = runtime.masterdata().upsert(_partner("Delta Ltd"), "erp_sap")
    with runtime.engine.connect() as conn:
        row = conn.execute(sa.select(messages)).one()
    broken = OutboundMessage(row.id, row.queue, row.seq, row.system, row.kind, row.doc_type, row.hub_id,
                             row.version, {**row.payload, "data": {"kind": "no such kind"}}, row.idempotency_key, 1)
    [spec] = runtime.plugins.subscriptions_of(LISTENER)
    with pytest.raises(Exception, match="kind"):
        SubscriptionTransport(runtime.plugin_context(LISTENER), spec).send(broken)
    Worker(runtime).run_until_idle()  # the real message still applies: no receipt was kept
    assert runtime.plugin_context(LISTENER).state(created.hub_id) == ["v1 from erp_sap"]


def test_a_subscription_queues_only_the_changes_it_wants(database_url: str, tmp_path: Path) -> None:
    """``wants`` turns changes down before a message is queued: no message, no delivery."""
    plugin = types.ModuleType("choosy_plugin")

    @hookimpl
    def hub_register_transports(registry: PluginRegistry) -> None:
        registry.add_subscription(SubscriptionSpec(
            "partners", ("partner",), _apply,
            wants=lambda doc_type, data: doc_type == "partner" and str(data.get("organisation_name")).startswith("A")))

    plugin.hub_register_transports = hub_register_transports  # type: ignore[attr-defined]
    installed = [ep.name for ep in metadata.entry_points(group="crm_hub.plugins")]
    hub = HubRuntime(HubSettings(database_url=database_url, mappings_dir=tmp_path / "mappings",
                                 disabled_plugins=installed), extra_plugins={LISTENER: plugin})
    migrate.upgrade(hub.engine)
    try:
        wanted, unwanted = hub.masterdata().upsert_many([Incoming(_partner("Alpha GmbH"), "erp_sap"),
                                                         Incoming(_partner("Omega GmbH"), "erp_sap")])
        Worker(hub).run_until_idle()
        with hub.engine.connect() as conn:
            queued = conn.execute(sa.select(messages.c.hub_id, messages.c.status)).all()
        assert [tuple(r) for r in queued] == [(wanted.hub_id, "confirmed")]
        assert hub.plugin_context(LISTENER).state(unwanted.hub_id) is None
    finally:
        hub.close()
